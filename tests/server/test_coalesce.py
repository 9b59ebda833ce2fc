"""Coalesced lookups: concurrent reads share one batched query, an idle read goes alone."""

from __future__ import annotations

import asyncio

import pytest

from server.storage.coalesce import Coalescer


class FakeTable:
    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.queries: list[list[str]] = []

    async def fetch_many(self, keys: list[str]) -> dict[str, int]:
        self.queries.append(keys)
        await asyncio.sleep(0.01)  # a round trip, during which more reads queue up
        return {k: self.rows[k] for k in keys if k in self.rows}


async def test_concurrent_reads_share_queries_and_each_gets_its_own_answer() -> None:
    table = FakeTable({f"u{i}": i for i in range(50)})
    reads = Coalescer(table.fetch_many)
    keys = [f"u{i % 60}" for i in range(100)]
    answers = await asyncio.gather(*(reads.get(k) for k in keys))
    assert answers == [table.rows.get(k) for k in keys]
    assert len(table.queries) <= 2


async def test_a_lone_read_is_fetched_at_once() -> None:
    table = FakeTable({"u1": 1})
    reads = Coalescer(table.fetch_many)
    assert await reads.get("u1") == 1
    assert await reads.get("missing") is None
    assert table.queries == [["u1"], ["missing"]]


async def test_a_failed_query_fails_every_read_waiting_on_it() -> None:
    async def broken(keys: list[str]) -> dict[str, int]:
        raise RuntimeError("store down")

    reads: Coalescer[str, int] = Coalescer(broken)
    results = await asyncio.gather(reads.get("a"), reads.get("b"), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    with pytest.raises(RuntimeError):
        await reads.get("c")
