"""Seed 003's blocking Python API over the asyncio client."""
import asyncio
import concurrent.futures
import threading

from .async_client import AsyncBoardroomWebSocket
from .errors import SwitchboardError


class BoardroomWebSocket:
    """The client of seed 003's Python example: construct it, register handlers with
    `@client.on("type")`, call subscribe() and send() (queued until the connection is
    ready), then `client.connect()`, which blocks and serves the connection (reconnecting
    as needed) until close() is called from a handler or another thread. It raises
    SwitchboardError when the client stops on its own (a bad token, attempts exhausted).
    `start()` serves it on a background thread instead. Takes the keyword options of
    AsyncBoardroomWebSocket (get_token, debug, max_reconnect_attempts...)."""

    def __init__(self, url, token=None, reconnect=True, **options):
        self._client = AsyncBoardroomWebSocket(url, token, reconnect, **options)
        self._loop = None
        self._thread_id = None
        self._started = threading.Event()

    def __getattr__(self, name):
        # state, session, latency, connected, subscriptions, queued_count, position, off...
        return getattr(self._client, name)

    def on(self, type, handler=None):
        """Registers a handler (a decorator without `handler`); see AsyncBoardroomWebSocket.on."""
        return self._client.on(type, handler)

    def connect(self):
        """Connects and serves the connection in this thread until the client stops."""
        asyncio.run(self._serve())

    async def _serve(self):
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()
        self._started.set()
        try:
            await self._client.connect()
        except SwitchboardError:
            if self._client.stop_error is None:
                return  # close() before the connection was ready
            raise
        await self._client.wait_closed()

    def start(self, timeout=10.0):
        """Serves the connection on a daemon thread; returns once it is ready. Raises the
        reason when the client stopped first."""
        failure = []

        def serve():
            try:
                self.connect()
            except SwitchboardError as e:
                failure.append(e)

        thread = threading.Thread(target=serve, name="switchboard-client", daemon=True)
        thread.start()
        self._started.wait(timeout)
        deadline = timeout
        while deadline > 0 and thread.is_alive() and not self._client.connected:
            thread.join(0.02)
            deadline -= 0.02
        if failure:
            raise failure[0]
        if not self._client.connected:
            raise SwitchboardError("TIMEOUT", "not connected within %ss" % timeout, retryable=True)
        return self

    def close(self):
        """Closes the connection for good; connect() then returns. Safe from any thread."""
        if self._loop is None or self._loop.is_closed():
            self._client._close_now()
        elif self._in_loop_thread():
            self._client._close_now()
        else:
            asyncio.run_coroutine_threadsafe(self._client.close(), self._loop).result(10)

    def subscribe(self, channels, wait=False, timeout=10.0):
        """Subscribes (kept across reconnects). With wait=True, from a thread other than the
        connection's, blocks for the server's subscription.update data."""
        if not wait:
            self._call(self._client.subscribe, channels)
            return None
        future = self._from_other_thread(self._subscribe_async(channels))
        return future.result(timeout)

    async def _subscribe_async(self, channels):
        return await self._client.subscribe(channels)

    def unsubscribe(self, channels):
        """Unsubscribes (the channels are no longer kept); the server is told when connected."""
        self._call(self._unsubscribe_here, channels)

    def _unsubscribe_here(self, channels):
        if self._loop is not None and self._loop.is_running():
            asyncio.ensure_future(self._client.unsubscribe(channels))
        else:
            self._client.forget(channels)

    def send(self, type, data=None):
        """Sends (queued until the connection is ready); returns the message id."""
        message_id = self._client.new_id()
        self._call(self._client.send, type, data, message_id)
        return message_id

    def send_and_wait(self, type, data=None, timeout=10.0, retries=2):
        """Blocks for the answer; see AsyncBoardroomWebSocket.send_and_wait. Call it from a
        thread other than the connection's (handlers use the async client instead)."""
        future = self._from_other_thread(self._client.send_and_wait(type, data, timeout, retries))
        return future.result(timeout * (retries + 1) + 5)

    def ping(self, timeout=10.0):
        """Blocks for a heartbeat's round trip in ms (from another thread)."""
        return self._from_other_thread(self._client.ping()).result(timeout)

    # ---- running calls on the connection's thread ----

    def _in_loop_thread(self):
        return threading.get_ident() == self._thread_id

    def _call(self, fn, *args):
        running = self._loop is not None and not self._loop.is_closed() and self._loop.is_running()
        if running and not self._in_loop_thread():
            done = concurrent.futures.Future()

            def call():
                try:
                    done.set_result(fn(*args))
                except Exception as e:  # handed back to the caller's thread
                    done.set_exception(e)

            self._loop.call_soon_threadsafe(call)
            return done.result(10)
        return fn(*args)

    def _from_other_thread(self, coroutine):
        if self._loop is None or not self._loop.is_running():
            coroutine.close()
            raise SwitchboardError("NOT_CONNECTED", "call connect() or start() first")
        if self._in_loop_thread():
            coroutine.close()
            raise RuntimeError("blocking calls cannot run on the connection's own thread: use the async client")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)
