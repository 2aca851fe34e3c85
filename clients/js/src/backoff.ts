/** How long to wait between reconnection attempts. */
export interface BackoffOptions {
  /** Upper bound of the first wait, in ms (default 500). */
  initialDelayMs?: number;
  /** Cap of every wait, in ms (default 30,000). */
  maxDelayMs?: number;
  /** Growth of the bound per attempt (default 2). */
  factor?: number;
}

/**
 * The wait before reconnection attempt `attempt` (0 for the first): a uniformly random
 * point between 0 and min(maxDelayMs, initialDelayMs * factor^attempt). The randomness
 * ("full jitter") spreads out clients that lost a server together, so they do not all come
 * back in the same instant. Never below `floorMs`, the wait a server asked for (retryAfter).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  floorMs = 0,
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const bound = Math.min(cap, initial * Math.pow(factor, Math.max(0, attempt)));
  return Math.max(floorMs, Math.floor(random() * bound));
}
