"""The Mongo adapters against the real embedded store, in process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from server.domain.accounts import AccountService, secret_hash
from server.domain.models import Invite, Role, utcnow
from server.errors import RateLimited, Unauthorized
from server.storage.audit import MongoAuditLog
from server.storage.embedded import embedded_mongo
from server.storage.mongo import Doc, create_indexes, mongo_database
from server.storage.ratelimit import InProcessRateLimiter, RedisRateLimiter
from server.storage.users import MongoInviteStore, MongoUserStore
from tests.servers import RedisProcess


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncDatabase[Doc]]:
    async with embedded_mongo(tmp_path) as url, mongo_database(url, "huddle") as database:
        await create_indexes(database)
        yield database


async def test_an_expired_invite_is_refused(db: AsyncDatabase[Doc]) -> None:
    invites = MongoInviteStore(db)
    accounts = AccountService(MongoUserStore(db), invites, 3600, MongoAuditLog(db))
    await invites.add(
        [Invite(secret_hash("OLD-CODE"), Role.MEMBER, utcnow() - timedelta(seconds=1))]
    )
    with pytest.raises(Unauthorized):
        await accounts.register("OLD-CODE", None)
    fresh = (await accounts.create_invites(Role.LEAD, 1))[0]
    registration = await accounts.register(fresh.lower(), None)
    assert registration.user.role is Role.LEAD


async def test_exactly_one_concurrent_claim_of_an_invite_wins(db: AsyncDatabase[Doc]) -> None:
    import asyncio

    invites = MongoInviteStore(db)
    accounts = AccountService(MongoUserStore(db), invites, 3600, MongoAuditLog(db))
    code = (await accounts.create_invites(Role.MEMBER, 1))[0]
    results = await asyncio.gather(
        *(accounts.register(code, None) for _ in range(5)), return_exceptions=True
    )
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1
    assert all(isinstance(r, Unauthorized) for r in results if isinstance(r, BaseException))


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_token_buckets_allow_the_burst_then_refuse(
    backend: str, redis_server: RedisProcess
) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_server.url)
    limiter = (
        InProcessRateLimiter()
        if backend == "memory"
        else RedisRateLimiter(redis, prefix=f"t{id(redis)}:")
    )
    for _ in range(5):
        await limiter.hit("k", rate_per_s=0.5, burst=5)
    with pytest.raises(RateLimited) as limited:
        await limiter.hit("k", rate_per_s=0.5, burst=5)
    assert 0 < limited.value.retry_after_s <= 2.0
    await limiter.hit("other-key", rate_per_s=0.5, burst=5)
    await redis.aclose()
