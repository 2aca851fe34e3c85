"""How long to wait between reconnection attempts."""
import random as _random


def backoff_delay(attempt, initial_delay=0.5, max_delay=30.0, factor=2.0, floor=0.0, random=_random.random):
    """The wait in seconds before reconnection attempt `attempt` (0 for the first): a
    uniformly random point between 0 and min(max_delay, initial_delay * factor**attempt).
    The randomness ("full jitter") spreads out clients that lost a server together, so they
    do not all come back in the same instant. Never below `floor`, the wait a server asked
    for (retryAfter)."""
    bound = min(max_delay, initial_delay * factor ** max(0, attempt))
    return max(floor, random() * bound)
