"""Acceptance 2 and 9: listing, context, the claim race, triage order, resolve, roles,
and delivery to leads who were offline when the escalation opened."""

from __future__ import annotations

import asyncio

import pytest

from client import HuddleClient
from tests.conftest import ClientFactory, create_invites
from tests.moderation_e2e.helpers import (
    CRISIS,
    SAFE,
    error_code,
    escalation_for,
    join_all,
    new_room,
)
from tests.servers import HuddleProcess

LEAD_EVENTS = [
    ("escalation:list", {}),
    ("escalation:get", {"id": "abc"}),
    ("escalation:claim", {"id": "abc"}),
    ("escalation:next", {}),
    ("escalation:resolve", {"id": "abc", "outcome": "supported"}),
]


@pytest.mark.parametrize("role", ["member", "supporter"])
async def test_members_and_supporters_are_forbidden_escalation_events(
    make_client: ClientFactory, role: str
) -> None:
    client = await make_client(role=role)
    for event, payload in LEAD_EVENTS:
        assert await error_code(client, event, payload) == "forbidden", event


async def test_list_and_get_show_the_escalation_with_its_room_context(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    writer, peer, lead = await make_client(), await make_client(), await make_client(role="lead")
    await join_all(room, writer, peer)
    before = [await peer.send(room, f"{SAFE} ({i})") for i in range(2)]
    sent = await writer.send(room, CRISIS)
    escalation = await escalation_for(lead, sent["id"])
    after = await peer.send(room, "I'm here, you're not alone")

    listed = (await lead.call("escalation:list", {"state": "open"}))["escalations"]
    assert escalation["id"] in [e["id"] for e in listed]
    assert all(e["state"] in ("open", "overdue") for e in listed)
    detail = await lead.call("escalation:get", {"id": escalation["id"]})
    assert detail["escalation"]["state"] == "open" and detail["message"]["id"] == sent["id"]
    assert [m["id"] for m in detail["context"]["before"]] == [m["id"] for m in before]
    assert [m["id"] for m in detail["context"]["after"]] == [after["id"]]
    assert detail["history"][0]["to"] == "open"
    assert await error_code(lead, "escalation:get", {"id": "nosuchescalation"}) == "not_found"


async def test_exactly_one_of_two_racing_leads_wins_the_claim(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    writer = await make_client()
    first, second, watcher = [await make_client(role="lead") for _ in range(3)]
    await writer.join(room)
    for _ in range(3):
        sent = await writer.send(room, CRISIS)
        escalation = await escalation_for(watcher, sent["id"])
        acks = await asyncio.gather(
            first.request("escalation:claim", {"id": escalation["id"]}),
            second.request("escalation:claim", {"id": escalation["id"]}),
        )
        winners = [a for a in acks if a["ok"]]
        losers = [a for a in acks if not a["ok"]]
        assert len(winners) == 1 and len(losers) == 1, acks
        assert losers[0]["error"]["code"] == "already_claimed"
        claimed = await watcher.next_event(
            "escalation:claimed", where=lambda c, i=escalation["id"]: c["id"] == i
        )
        assert claimed["by"] == winners[0]["escalation"]["claimed_by"]


async def test_resolve_records_the_outcome_and_every_state_change(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    writer = await make_client()
    lead, other = await make_client(role="lead"), await make_client(role="lead")
    await writer.join(room)
    sent = await writer.send(room, CRISIS)
    escalation = await escalation_for(lead, sent["id"])
    resolve = {"id": escalation["id"], "outcome": "supported", "note": "spoke by phone"}
    assert await error_code(lead, "escalation:resolve", resolve) == "invalid_state"
    await lead.call("escalation:claim", {"id": escalation["id"]})
    assert await error_code(other, "escalation:resolve", resolve) == "forbidden"
    bad = {**resolve, "outcome": "vanished"}
    assert await error_code(lead, "escalation:resolve", bad) == "invalid_payload"
    done = (await lead.call("escalation:resolve", resolve))["escalation"]
    assert done["state"] == "resolved" and done["outcome"] == "supported"
    await other.next_event("escalation:resolved", where=lambda r: r["id"] == escalation["id"])
    assert await error_code(lead, "escalation:resolve", resolve) == "invalid_state"
    assert await error_code(other, "escalation:claim", {"id": escalation["id"]}) == (
        "already_claimed"
    )
    history = (await lead.call("escalation:get", {"id": escalation["id"]}))["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "open"), ("open", "claimed"), ("claimed", "resolved"),
    ]  # fmt: skip
    assert history[1]["by"] == history[2]["by"] == lead.pseudonym


async def test_next_claims_the_highest_risk_then_the_oldest(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server: HuddleProcess = start_server()
    clients: list[HuddleClient] = []

    async def make(role: str) -> HuddleClient:
        client = HuddleClient(server.url, state_dir=tmp_path / f"c{len(clients)}")
        clients.append(client)
        await client.register(create_invites(server.url, role)[0])
        await client.connect()
        return client

    try:
        writer, lead = await make("member"), await make("lead")
        await writer.join("general")
        texts = [CRISIS, "I want to kill myself", "I'm going to take my own life tonight"]
        opened = []
        for text in texts * 2:
            sent = await writer.send("general", text)
            opened.append(await escalation_for(lead, sent["id"]))
        expected = sorted(opened, key=lambda e: (-e["risk"], e["created_at"]))
        claimed = [(await lead.call("escalation:next"))["escalation"] for _ in opened]
        assert [c["id"] for c in claimed] == [e["id"] for e in expected]
        assert all(c["state"] == "claimed" for c in claimed)
        assert (await lead.call("escalation:next"))["escalation"] is None
    finally:
        for client in clients:
            await client.close()


async def test_a_lead_who_was_offline_gets_open_escalations_on_connect(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    writer = await make_client()
    offline = await make_client(role="lead", connect=False)
    await writer.join(room)
    sent = await writer.send(room, CRISIS)
    offer = await writer.next_event("safety:offer", timeout=15)
    await offline.connect()
    pushed = await escalation_for(offline, sent["id"])
    assert pushed["id"] == offer["escalation_id"] and pushed["catch_up"] is True
    listed = (await offline.call("escalation:list"))["escalations"]
    assert offer["escalation_id"] in [e["id"] for e in listed]
