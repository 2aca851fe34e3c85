"""Switchboard's Python client for the events dialect (seed 003): the blocking
BoardroomWebSocket of the seed's example and AsyncBoardroomWebSocket for asyncio code,
built on Debian's python3-websockets."""
from .async_client import AsyncBoardroomWebSocket
from .backoff import backoff_delay
from .errors import SwitchboardError
from .sync_client import BoardroomWebSocket

__all__ = ["AsyncBoardroomWebSocket", "BoardroomWebSocket", "SwitchboardError", "backoff_delay"]
