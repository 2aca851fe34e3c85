"""Errors reported by the server or by the client itself."""


class SwitchboardError(Exception):
    """An `error` or `connection.error` from the server (its code: AUTH_FAILED,
    PERMISSION_DENIED, RATE_LIMITED...), or the client's own: TIMEOUT, CONNECTION_ERROR
    (the connection dropped before the answer), QUEUE_FULL, CLOSED, RECONNECT_FAILED.
    `retryable` and `retry_after` (seconds) say whether and when to try again."""

    def __init__(self, code, message, retryable=False, retry_after=None, details=None, correlation_id=None):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.details = details
        self.correlation_id = correlation_id

    @classmethod
    def from_server(cls, data):
        """The error a server message's `data` describes (retryAfter arrives in ms)."""
        d = data if isinstance(data, dict) else {}
        retry_after = d.get("retryAfter")
        return cls(str(d.get("code", "SERVER_ERROR")), str(d.get("message", "server error")),
                   retryable=d.get("retryable") is True,
                   retry_after=retry_after / 1000.0 if isinstance(retry_after, (int, float)) else None,
                   details=d.get("details"), correlation_id=d.get("correlationId"))
