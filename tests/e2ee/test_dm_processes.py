"""Two Huddle processes behind one database and Redis: DMs and reports work across them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from client import HuddleClient
from tests.conftest import create_invites
from tests.servers import HuddleProcess, RedisProcess


async def registered(url: str, state_dir: Path, role: str = "member") -> HuddleClient:
    client = HuddleClient(url, state_dir=state_dir)
    await client.register(create_invites(url, role)[0])
    await client.connect()
    return client


async def test_dm_relayed_by_one_process_is_delivered_and_reportable_on_the_other(
    start_server: Any, redis_server: RedisProcess, tmp_path: Path
) -> None:
    data_dir = tmp_path / "shared"
    first: HuddleProcess = start_server(data_dir, REDIS_URL=redis_server.url)
    second: HuddleProcess = start_server(data_dir, REDIS_URL=redis_server.url)
    member = await registered(first.url, tmp_path / "member")
    lead = await registered(second.url, tmp_path / "lead", role="lead")
    assert member.pseudonym and lead.pseudonym
    try:
        await lead.dm_send(member.pseudonym, "sent through the second process")
        got = await member.dm_receive(timeout=5)
        assert got.text == "sent through the second process"
        # The franking key is shared through the database, so either process verifies.
        assert (await member.dm_report(got))["report"]["urgent"] is False
        await member.dm_send(lead.pseudonym, "and back through the first")
        assert (await lead.dm_receive(timeout=5)).text == "and back through the first"
    finally:
        await member.close()
        await lead.close()
