"""The module name of seed 003's Python example (`from boardroom_ws import
BoardroomWebSocket`), so that the example runs as written."""
from switchboard_client import AsyncBoardroomWebSocket, BoardroomWebSocket, SwitchboardError

__all__ = ["AsyncBoardroomWebSocket", "BoardroomWebSocket", "SwitchboardError"]
