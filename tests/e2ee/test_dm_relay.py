"""Direct messages over real sockets against a real server: delivery, permissions, keys."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from client import HuddleClient, HuddleClientError
from client.e2ee.sessions import SecureSessions
from tests.conftest import ClientFactory, create_invites
from tests.servers import HuddleProcess


async def reopen(client: HuddleClient) -> HuddleClient:
    """The same user and state_dir in a fresh client object: a restarted app."""
    await client.close()
    again = HuddleClient(client.base_url, state_dir=client.state_dir)
    await again.connect()
    return again


async def test_a_conversation_both_ways(make_client: ClientFactory) -> None:
    member, supporter = await make_client(), await make_client(role="supporter")
    assert member.pseudonym and supporter.pseudonym
    await member.dm_send(supporter.pseudonym, "hi, rough night")
    got = await supporter.dm_receive(timeout=5)
    assert (got.sender, got.text, got.kind) == (member.pseudonym, "hi, rough night", "text")
    assert got.sent_at.tzinfo is not None
    await supporter.dm_send(member.pseudonym, "I'm here. Want to talk?")
    back = await member.dm_receive(timeout=5)
    assert back.text == "I'm here. Want to talk?" and back.sender == supporter.pseudonym
    assert member.safety_number(supporter.pseudonym) == supporter.safety_number(member.pseudonym)


async def test_offline_messages_arrive_in_order_on_connect(make_client: ClientFactory) -> None:
    member, lead = await make_client(), await make_client(role="lead")
    assert lead.pseudonym
    await lead.close()
    texts = [f"queued {i}" for i in range(6)]
    for text in texts:
        await member.dm_send(lead.pseudonym, text)
    lead = await reopen(lead)
    got = [(await lead.dm_receive(timeout=5)).text for _ in texts]
    assert got == texts
    try:
        await lead.dm_receive(timeout=0.5)
        pytest.fail("acked envelopes must not be delivered again")
    except TimeoutError:
        pass
    lead = await reopen(lead)  # acked: nothing is queued any more
    with pytest.raises(TimeoutError):
        await lead.dm_receive(timeout=0.5)
    await lead.close()


async def test_member_to_member_needs_an_accepted_request(make_client: ClientFactory) -> None:
    alice, bob = await make_client(), await make_client()
    assert alice.pseudonym and bob.pseudonym
    for attempt in (alice.dm_send(bob.pseudonym, "hello?"),
                    alice.call("keys:bundle", {"user": bob.pseudonym})):  # fmt: skip
        with pytest.raises(HuddleClientError) as refused:
            await attempt
        assert refused.value.code == "forbidden"
    await alice.dm_request(bob.pseudonym)
    asked = await bob.next_event("dm:request", timeout=5)
    assert asked == {"from": alice.pseudonym}
    await bob.dm_accept(alice.pseudonym)
    assert await alice.next_event("dm:accepted", timeout=5) == {"by": bob.pseudonym}
    await alice.dm_send(bob.pseudonym, "thanks for accepting")
    assert (await bob.dm_receive(timeout=5)).text == "thanks for accepting"
    await bob.dm_send(alice.pseudonym, "of course")
    assert (await alice.dm_receive(timeout=5)).text == "of course"


async def test_supporters_and_leads_may_message_anyone(make_client: ClientFactory) -> None:
    member, supporter, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    assert member.pseudonym and supporter.pseudonym and lead.pseudonym
    await lead.dm_send(member.pseudonym, "checking in after earlier")
    await supporter.dm_send(lead.pseudonym, "handing over")
    assert (await member.dm_receive(timeout=5)).sender == lead.pseudonym
    assert (await lead.dm_receive(timeout=5)).sender == supporter.pseudonym
    with pytest.raises(HuddleClientError):
        await member.dm_send(member.pseudonym, "myself")


async def test_each_one_time_prekey_is_handed_out_once(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    owner = await make_client(connect=False)
    owner_state = SecureSessions.create()
    await owner.sio.connect(owner.base_url, auth={"token": owner.token}, transports=["websocket"])
    ack = await owner.call("keys:upload", owner_state.upload_payload(3))
    assert ack["opk_count"] == 3
    askers = [await make_client(role="supporter", connect=False) for _ in range(5)]
    for asker in askers:  # bare connections: no keys of their own to upload
        await asker.sio.connect(
            asker.base_url, auth={"token": asker.token}, transports=["websocket"]
        )
    bundles = await asyncio.gather(
        *(a.call("keys:bundle", {"user": owner.pseudonym}) for a in askers)
    )
    opks = [b["bundle"]["opk"] for b in bundles]
    handed = sorted(o["id"] for o in opks if o is not None)
    assert handed == [1, 2, 3] and opks.count(None) == 2
    low = await owner.next_event("keys:low", timeout=5)
    assert low["remaining"] < 10


async def test_a_client_refills_its_prekeys_when_warned(make_client: ClientFactory) -> None:
    owner = await make_client()
    assert owner.pseudonym
    supporter = await make_client(role="supporter")
    first = (await owner.call("keys:upload", owner.dm.sessions.upload_payload(0)))["opk_count"]
    for _ in range(first - 9):
        await supporter.call("keys:bundle", {"user": owner.pseudonym})
    await owner.next_event("keys:low", timeout=5)
    for _ in range(50):
        count = (await owner.call("keys:upload", owner.dm.sessions.upload_payload(0)))["opk_count"]
        if count > 9:
            break
        await asyncio.sleep(0.05)
    assert count >= 50


async def test_bad_payloads_are_refused_with_codes(make_client: ClientFactory) -> None:
    client = await make_client(role="lead")
    bad = {
        "keys:upload": {"identity": {"dh": "short", "sig": "x"}, "spk": {}},
        "keys:bundle": {"user": "no such user!"},
        "dm:send": {"to": "Someone", "envelope": {"v": 1, "type": "msg"}, "client_id": "c"},
        "dm:ack": {"ids": ["not-an-id"]},
        "dm:report": {"from": "Someone", "text": "x"},
    }
    for event, payload in bad.items():
        ack = await client.request(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload", event
    ack = await client.request("keys:bundle", {"user": "NobodyHere"})
    assert ack["error"]["code"] == "not_found"


async def test_dm_events_need_a_signed_in_connection(server: HuddleProcess) -> None:
    anon = HuddleClient(server.url, token="not-a-token")
    with pytest.raises(Exception):  # noqa: B017
        await anon.connect()
    await anon.close()
    assert create_invites(server.url)


async def test_concurrent_senders_get_distinct_consecutive_seqs(make_client: ClientFactory) -> None:
    member = await make_client()
    assert member.pseudonym
    senders = [await make_client(role="supporter") for _ in range(4)]
    acks = await asyncio.gather(
        *(s.dm_send(member.pseudonym, f"from {i}") for i, s in enumerate(senders))
    )
    seqs = sorted(a["seq"] for a in acks)
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    got = {(await member.dm_receive(timeout=5)).text for _ in senders}
    assert got == {f"from {i}" for i in range(4)}
