"""Connecting to MongoDB (real or embedded) and creating the indexes Huddle relies on."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from server.errors import StorageUnavailable

logger = logging.getLogger(__name__)

Doc = dict[str, Any]
T = TypeVar("T")
P = ParamSpec("P")
AsyncFn = Callable[P, Coroutine[Any, Any, T]]


def translate(action: str) -> Callable[[AsyncFn[P, T]], AsyncFn[P, T]]:
    """Turn driver failures inside a store method into the project's StorageUnavailable."""

    def decorate(fn: AsyncFn[P, T]) -> AsyncFn[P, T]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await fn(*args, **kwargs)
            except PyMongoError as exc:
                logger.warning("storage failure while trying to %s: %s", action, type(exc).__name__)
                raise StorageUnavailable("storage is unavailable; try again shortly") from exc

        return wrapper

    return decorate


async def create_indexes(db: AsyncDatabase[Doc], message_retention_s: int) -> None:
    await db.users.create_index("pseudonym_key", unique=True)
    await db.users.create_index("token_hash", unique=True)
    await db.invites.create_index("expires_at", expireAfterSeconds=0)
    await db.memberships.create_index([("room", ASCENDING), ("user", ASCENDING)], unique=True)
    await db.memberships.create_index("user")
    await db.messages.create_index([("room", ASCENDING), ("seq", DESCENDING)], unique=True)
    await db.messages.create_index(
        [("author_id", ASCENDING), ("client_id", ASCENDING)], unique=True
    )
    await db.messages.create_index("ts", expireAfterSeconds=message_retention_s)


@asynccontextmanager
async def mongo_database(url: str, db_name: str) -> AsyncIterator[AsyncDatabase[Doc]]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=10_000, appname="huddle"
    )
    try:
        await client.admin.command("ping")
        yield client[db_name]
    finally:
        await client.close()
