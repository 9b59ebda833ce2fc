"""``huddle users grant``: change a role from the command line, on the configured storage."""

from __future__ import annotations

import asyncio
import sys
from contextlib import AsyncExitStack

from server.config import Settings
from server.domain.accounts import AccountService
from server.domain.models import Role
from server.errors import HuddleError
from server.storage.embedded import embedded_mongo
from server.storage.mongo import mongo_database
from server.storage.users import MongoInviteStore, MongoUserStore


async def _grant(settings: Settings, pseudonym: str, role: Role) -> str:
    async with AsyncExitStack() as stack:
        url = settings.mongodb_url
        if url is None:
            url = await stack.enter_async_context(embedded_mongo(settings.data_dir))
        db = await stack.enter_async_context(mongo_database(url, settings.mongodb_db))
        accounts = AccountService(MongoUserStore(db), MongoInviteStore(db), settings.invite_ttl_s)
        user, previous = await accounts.grant(pseudonym, role)
        return f"{user.pseudonym}: {previous.label} -> {user.role.label}"


def grant_role(pseudonym: str, role_name: str) -> int:
    settings = Settings.from_env()
    try:
        print(asyncio.run(_grant(settings, pseudonym, Role.parse(role_name))))
    except HuddleError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0
