"""Coalesced lookups: concurrent reads of single keys share one batched query.

Every ``room:send`` re-reads its user (at most 2 s stale) and its membership, one store
round trip each. A user sends far less often than every 2 s, so under load those reads
were most of the store's work (see docs/performance.md). Here a read that arrives while
another is in flight waits for the next batch, which fetches every waiting key with one
``$in`` query: on the embedded store 50 users cost 2.6 ms that way against 50 ms one by
one. An idle server still reads each key alone, at once (the stores use a plain find_one
for a batch of one, which the embedded store serves faster than an ``$in`` of one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_BATCH = 200


class Coalescer(Generic[K, V]):
    def __init__(self, fetch_many: Callable[[list[K]], Awaitable[dict[K, V]]]) -> None:
        self._fetch_many = fetch_many
        self._waiting: dict[K, list[asyncio.Future[V | None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._waiting:
            keys = list(self._waiting)[:MAX_BATCH]
            batch = {key: self._waiting.pop(key) for key in keys}
            try:
                found = await self._fetch_many(keys)
            except Exception as exc:
                for futures in batch.values():
                    for future in futures:
                        if not future.done():
                            future.set_exception(exc)
                continue
            for key, futures in batch.items():
                for future in futures:
                    if not future.done():
                        future.set_result(found.get(key))
