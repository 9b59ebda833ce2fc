"""What each store read on the send path costs the embedded store, as its tables grow.

``python -m bench.store_ops [--sizes 1000,10000,40000] [--ops 200]``

Two databases in one nx-27017 process, filled alike. ``before`` is how Huddle used to
query it: a TTL index on ``messages.ts`` and equality written ``{"field": value}``.
``now`` is how it queries now: a plain index swept by ``server.storage.retention`` and
equality written with ``server.storage.mongo.eq``. For each read it prints the store
process's CPU per operation (from /proc) and the client's median and p99 wall time.
It prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from bench.procstat import cpu_seconds
from server.domain.models import utcnow
from server.storage.embedded import embedded_mongo
from server.storage.mongo import Doc, create_indexes, eq, mongo_database
from server.storage.retention import create_retention_indexes, expiries

ROOMS = 20
AUTHORS = 2000
Op = Callable[[int], Awaitable[object]]


def _spell(fields: dict[str, str], explicit: bool) -> Doc:
    return eq(**fields) if explicit else dict(fields)


async def _prepare(db: AsyncDatabase[Doc], explicit: bool) -> None:
    await create_indexes(db)
    if explicit:
        await create_retention_indexes(db, expiries(90 * 86400))
    else:
        await db.messages.create_index("ts", expireAfterSeconds=90 * 86400)
    await db.memberships.insert_many(
        [{"room": f"room-{a % ROOMS}", "user": f"u{a}"} for a in range(AUTHORS)]
    )


async def _fill(db: AsyncDatabase[Doc], start: int, stop: int) -> None:
    now = utcnow()
    for first in range(start, stop, 1000):
        await db.messages.insert_many(
            [
                {
                    "_id": secrets.token_hex(12),
                    "room": f"room-{i % ROOMS}",
                    "seq": i // ROOMS,
                    "author_id": f"u{i % AUTHORS}",
                    "text": "another long night on the ward, anyone else still up?",
                    "ts": now - timedelta(seconds=stop - i),
                    "client_id": f"c{i}",
                }
                for i in range(first, min(first + 1000, stop))
            ]
        )


def _ops(db: AsyncDatabase[Doc], explicit: bool) -> dict[str, Op]:
    def resend(i: int) -> Awaitable[object]:
        query = _spell({"author_id": f"u{i % AUTHORS}", "client_id": f"new-{i}"}, explicit)
        return db.messages.find_one(query)

    def membership(i: int) -> Awaitable[object]:
        query = _spell({"room": f"room-{i % ROOMS}", "user": f"u{i % AUTHORS}"}, explicit)
        return db.memberships.find_one(query)

    def history(i: int) -> Awaitable[object]:
        query = _spell({"room": f"room-{i % ROOMS}"}, explicit)
        return db.messages.find(query).sort("seq", DESCENDING).limit(50).to_list()

    return {"resend check": resend, "membership": membership, "history page (50)": history}


async def _measure(op: Op, ops: int, store_pid: int) -> tuple[float, float, float]:
    for i in range(10):
        await op(i)
    walls = []
    cpu0 = cpu_seconds(store_pid)
    for i in range(ops):
        t0 = time.perf_counter()
        await op(i)
        walls.append(time.perf_counter() - t0)
    cpu = (cpu_seconds(store_pid) - cpu0) / ops
    walls.sort()
    return cpu * 1000, statistics.median(walls) * 1000, walls[int(len(walls) * 0.99)] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,40000", help="messages stored")
    parser.add_argument("--ops", type=int, default=200, help="reads timed per cell")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        async with embedded_mongo(Path(tmp)) as url:
            store_pid = int((Path(tmp) / "store" / "nx-27017.pid").read_text())
            async with (
                mongo_database(url, "before") as before,
                mongo_database(url, "now") as now,
            ):
                dbs = {"before": (before, False), "now": (now, True)}
                for db, explicit in dbs.values():
                    await _prepare(db, explicit)
                print(
                    "messages | read | before: store CPU ms/op, p50, p99 ms "
                    "| now: store CPU ms/op, p50, p99 ms | CPU ratio before/now"
                )
                filled = 0
                for size in sizes:
                    for db, _ in dbs.values():
                        await _fill(db, filled, size)
                    filled = size
                    cells = {
                        name: [
                            await _measure(_ops(db, explicit)[name], args.ops, store_pid)
                            for db, explicit in dbs.values()
                        ]
                        for name in _ops(before, False)
                    }
                    for name, ((c0, p50a, p99a), (c1, p50b, p99b)) in cells.items():
                        print(
                            f"{size:>8,} | {name} | {c0:.2f}, {p50a:.2f}, {p99a:.2f} "
                            f"| {c1:.2f}, {p50b:.2f}, {p99b:.2f} | {c0 / max(c1, 1e-6):.1f}x"
                        )


if __name__ == "__main__":
    asyncio.run(main())
