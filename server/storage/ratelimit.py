"""Token buckets: in process by default, in Redis when several processes share users."""

from __future__ import annotations

import math
import time
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.errors import RateLimited, StorageUnavailable

MAX_LOCAL_BUCKETS = 100_000


def _refill(tokens: float, last: float, now: float, rate: float, burst: int) -> float:
    return min(float(burst), tokens + (now - last) * rate)


class InProcessRateLimiter:
    """Buckets in a bounded LRU dict; right for a single server process.

    A plain dict keeps insertion order, and every hit re-inserts its key, so the first key
    is the least recently used; an OrderedDict would cost 50 bytes more per bucket, and
    every open connection has one.
    """

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def hit(self, key: str, rate_per_s: float, burst: int) -> None:
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(burst), now))
        tokens = _refill(tokens, last, now, rate_per_s, burst)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise RateLimited(
                "you are sending too fast; wait a moment", (1.0 - tokens) / rate_per_s
            )
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > MAX_LOCAL_BUCKETS:
            del self._buckets[next(iter(self._buckets))]


# One atomic step per hit: refill from elapsed time, then take a token if there is one.
# Returns the seconds to wait (0 when a token was taken). Time comes from Redis itself,
# so processes with skewed clocks share one notion of "now".
_TOKEN_BUCKET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate)
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every server process."""

    def __init__(self, redis: Redis, prefix: str = "huddle:rl:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_TOKEN_BUCKET)

    async def hit(self, key: str, rate_per_s: float, burst: int) -> None:
        try:
            raw = await self._script(keys=[self._prefix + key], args=[rate_per_s, burst])
        except RedisError as exc:
            raise StorageUnavailable("rate limiting is unavailable; try again shortly") from exc
        wait = float(raw)
        if wait > 0 and not math.isclose(wait, 0.0):
            raise RateLimited("you are sending too fast; wait a moment", wait)
