"""Acceptance 4: an unclaimed escalation goes overdue to leads and supporters, and to a
real webhook receiver that fails the first attempt; and the timer survives kill -9."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from client import HuddleClient
from tests.conftest import create_invites
from tests.moderation_e2e.helpers import CRISIS, escalation_for
from tests.servers import HuddleProcess, free_port


def seconds_between(earlier: str, later: str) -> float:
    def parse(ts: str) -> datetime:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))

    return (parse(later) - parse(earlier)).total_seconds()


class Receiver:
    """Clinical on-call's webhook: refuses the first attempt, then accepts."""

    def __init__(self) -> None:
        self.attempts: list[float] = []
        self.delivered: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/page"

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts.append(time.monotonic())
        if len(self.attempts) == 1:
            return web.Response(status=503)
        await self.delivered.put(await request.json())
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/page", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", receiver.port).start()
    yield receiver
    await runner.cleanup()


async def _client(url: str, role: str, state: Path, connect: bool = True) -> HuddleClient:
    client = HuddleClient(url, state_dir=state)
    await client.register(create_invites(url, role)[0])
    if connect:
        await client.connect()
    return client


async def test_an_unclaimed_escalation_goes_overdue_to_leads_supporters_and_the_webhook(
    start_server, receiver: Receiver, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server(
        HUDDLE_ESCALATION_SLA_S="2", HUDDLE_ESCALATION_WEBHOOK=receiver.url
    )
    writer = await _client(server.url, "member", tmp_path / "w")
    lead = await _client(server.url, "lead", tmp_path / "l")
    supporter = await _client(server.url, "supporter", tmp_path / "s")
    member = await _client(server.url, "member", tmp_path / "m")
    try:
        await writer.join("general")
        sent = await writer.send("general", CRISIS)
        escalation = await escalation_for(lead, sent["id"])
        for client in (lead, supporter):
            overdue = await client.next_event(
                "escalation:overdue", timeout=15, where=lambda e: e["id"] == escalation["id"]
            )
            assert overdue["state"] == "overdue" and overdue["overdue"] is True
        with pytest.raises(TimeoutError):
            await member.next_event("escalation:overdue", timeout=0.3)

        page = await asyncio.wait_for(receiver.delivered.get(), timeout=20)
        assert len(receiver.attempts) == 2  # the first was refused; the retry landed
        assert receiver.attempts[1] - receiver.attempts[0] >= 0.4  # after a backoff
        assert page["type"] == "escalation.overdue" and page["id"] == escalation["id"]
        assert page["sla_s"] == 2 and page["author"] == {"pseudonym": writer.pseudonym}
        assert CRISIS not in json.dumps(page)  # no message text leaves the service
        assert writer.identity and writer.identity.user_id not in json.dumps(page)

        # Overdue is still claimable, and the history says it went overdue first.
        await lead.call("escalation:claim", {"id": escalation["id"]})
        history = (await lead.call("escalation:get", {"id": escalation["id"]}))["history"]
        assert [h["to"] for h in history] == ["open", "overdue", "claimed"]
        assert seconds_between(escalation["created_at"], history[1]["at"]) >= 2 - 0.01
        entries = (await lead.call("audit:list", {"target": escalation["id"]}))["entries"]
        actions = {(e["action"], e["result"]) for e in entries}
        assert ("escalation.overdue", "ok") in actions
        assert ("escalation.page", "delivered") in actions
    finally:
        for client in (writer, lead, supporter, member):
            await client.close()


async def test_the_sla_timer_survives_kill_9_and_a_restart(start_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sla_s = 6
    server: HuddleProcess = start_server(HUDDLE_ESCALATION_SLA_S=str(sla_s))
    writer = await _client(server.url, "member", tmp_path / "w")
    lead = await _client(server.url, "lead", tmp_path / "l", connect=False)
    await writer.join("general")
    sent = await writer.send("general", CRISIS)
    opened = time.monotonic()
    offer = await writer.next_event("safety:offer", timeout=15)
    await writer.close()
    server.kill9()  # mid-SLA: nothing in memory survives
    assert time.monotonic() - opened < sla_s - 1, "killed too late to be mid-SLA"
    server.restart()
    assert lead.identity is not None
    back = HuddleClient.from_token(server.url, lead.identity.token)
    await back.connect()
    try:
        caught_up = await escalation_for(back, sent["id"])
        assert caught_up["id"] == offer["escalation_id"]
        if caught_up["state"] == "open":  # a slow restart may already have fired it
            await back.next_event(
                "escalation:overdue", timeout=sla_s + 10, where=lambda e: e["id"] == caught_up["id"]
            )
        detail = await back.call("escalation:get", {"id": caught_up["id"]})
        history = [(h["from"], h["to"], h["by"]) for h in detail["history"]]
        assert history == [(None, "open", "classifier"), ("open", "overdue", "sla")]
        # Fired by the restarted process (the first died mid-SLA), and not early.
        created, fired = detail["escalation"]["created_at"], detail["history"][1]["at"]
        assert seconds_between(created, fired) >= sla_s - 0.01
    finally:
        await back.close()


async def test_two_processes_fire_each_overdue_exactly_once(
    start_server, redis_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "shared"
    env = {"REDIS_URL": redis_server.url, "HUDDLE_ESCALATION_SLA_S": "2"}
    first: HuddleProcess = start_server(data_dir, **env)
    second: HuddleProcess = start_server(data_dir, **env)
    writer = await _client(first.url, "member", tmp_path / "w")
    lead = await _client(second.url, "lead", tmp_path / "l")
    try:
        await writer.join("general")
        sent = await writer.send("general", CRISIS)
        escalation = await escalation_for(lead, sent["id"])
        await lead.next_event(
            "escalation:overdue", timeout=15, where=lambda e: e["id"] == escalation["id"]
        )
        with pytest.raises(TimeoutError):  # both processes sweep; only one fires
            await lead.next_event(
                "escalation:overdue", timeout=1.5, where=lambda e: e["id"] == escalation["id"]
            )
        fired = await lead.call(
            "audit:list", {"target": escalation["id"], "action": "escalation.overdue"}
        )
        assert len(fired["entries"]) == 1
    finally:
        await writer.close()
        await lead.close()
