"""Retention: Huddle deletes expired records itself, on a timer, on either store.

A TTL index would do this on MongoDB, but nx-27017 honours one by deleting expired rows
before *every read* of the collection: two DELETE statements that scan the whole table
(their ``datetime()`` wrapper can use no index). On 20,000 messages that was 19 ms of
store CPU on each resend check and each history page, growing with the table. So the
fields carry plain indexes, and a sweep deletes what has expired once a minute: one
rule, run the same way on both stores. Reads that must never see an expired record
(invites, DM envelopes) filter on it as well, so the sweep's lag is never visible there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure, PyMongoError

from server.domain.models import utcnow
from server.storage.dm import ENVELOPE_COLLECTION
from server.storage.mongo import Doc

logger = logging.getLogger(__name__)

SWEEP_EVERY_S = 60.0
# A claim outlives its key's deletion long enough that no racing reader can reuse it.
OPK_CLAIM_KEEP_S = 30 * 86400


@dataclass(frozen=True)
class Expiry:
    """Records of ``collection`` expire once ``field`` (a date) is ``after_s`` in the past."""

    collection: str
    field: str
    after_s: int


def expiries(message_retention_s: int) -> tuple[Expiry, ...]:
    return (
        Expiry("messages", "ts", message_retention_s),
        Expiry("invites", "expires_at", 0),
        # Envelopes never fetched are dropped when they expire (HUDDLE_DM_TTL_S).
        Expiry(ENVELOPE_COLLECTION, "expires_at", 0),
        Expiry("opk_claims", "claimed_at", OPK_CLAIM_KEEP_S),
    )


async def create_retention_indexes(db: AsyncDatabase[Doc], rules: Sequence[Expiry]) -> None:
    """A plain index per expiring field; a TTL index left by an earlier version is dropped."""
    for rule in rules:
        collection = db[rule.collection]
        for name, spec in (await collection.index_information()).items():
            keys = [key for key, _ in spec["key"]]
            if keys == [rule.field] and "expireAfterSeconds" in spec:
                # Replicas starting together may race to drop it: losing is fine.
                with contextlib.suppress(OperationFailure):
                    await collection.drop_index(name)
        await collection.create_index(rule.field)


async def sweep(db: AsyncDatabase[Doc], rules: Sequence[Expiry], now: datetime) -> dict[str, int]:
    """Delete every expired record; the counts deleted, by collection."""
    deleted: dict[str, int] = {}
    for rule in rules:
        cutoff = now - timedelta(seconds=rule.after_s)
        result = await db[rule.collection].delete_many({rule.field: {"$lt": cutoff}})
        deleted[rule.collection] = int(result.deleted_count)
    return deleted


class RetentionSweeper:
    """Runs ``sweep`` at start and every ``every_s`` after. Every process may run one:
    the deletes are idempotent, and a sweep that fails is retried at the next tick."""

    def __init__(
        self,
        db: AsyncDatabase[Doc],
        rules: Sequence[Expiry],
        every_s: float = SWEEP_EVERY_S,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._rules = tuple(rules)
        self._every_s = every_s
        self._clock = clock

    async def run(self) -> None:
        while True:
            try:
                deleted = await sweep(self._db, self._rules, self._clock())
            except PyMongoError as exc:
                logger.warning("retention sweep failed: %s", type(exc).__name__)
            except Exception:
                # A sweep that stops for good keeps data past its retention: never let a
                # bug end the loop silently.
                logger.exception("retention sweep failed")
            else:
                if any(deleted.values()):
                    logger.info("retention sweep deleted %s", deleted)
            await asyncio.sleep(self._every_s)
