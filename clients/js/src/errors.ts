/**
 * An error reported by the server (an `error` or `connection.error` message) or by the
 * client itself (TIMEOUT, CONNECTION_ERROR, QUEUE_FULL, CLOSED). `retryable` and
 * `retryAfter` (ms) say whether and when the same request may be tried again.
 */
export class SwitchboardError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly details?: unknown;
  readonly correlationId?: string;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; retryAfter?: number; details?: unknown; correlationId?: string } = {},
  ) {
    super(message);
    this.name = 'SwitchboardError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
    this.correlationId = options.correlationId;
  }
}

/** The error a server message describes (`data` of `error` or `connection.error`). */
export function errorFromServer(data: unknown): SwitchboardError {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const retryAfter = typeof d.retryAfter === 'number' ? d.retryAfter : undefined;
  return new SwitchboardError(String(d.code ?? 'SERVER_ERROR'), String(d.message ?? 'server error'), {
    retryable: d.retryable === true,
    retryAfter,
    details: d.details,
    correlationId: typeof d.correlationId === 'string' ? d.correlationId : undefined,
  });
}
