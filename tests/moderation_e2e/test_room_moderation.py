"""Acceptance 5: reports, redaction, timeouts, removal, bans, slow mode and locks, each
enforced by the server with its own error code."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import ClientFactory
from tests.moderation_e2e.helpers import SAFE, error_code, join_all, new_room
from tests.servers import HuddleProcess

SUPPORTER_EVENTS = [
    ("reports:list", {}),
    ("report:resolve", {"id": "abc", "outcome": "actioned"}),
    ("mod:redact", {"message_id": "abc"}),
    ("mod:timeout", {"user": "SomeoneElse", "room": "general", "seconds": 60}),
    ("mod:remove", {"user": "SomeoneElse", "room": "general"}),
    ("mod:ban", {"user": "SomeoneElse"}),
    ("mod:unban", {"user": "SomeoneElse"}),
    ("room:slowmode", {"room": "general", "seconds": 10}),
    ("room:lock", {"room": "general", "locked": True}),
    ("audit:list", {}),
]


async def test_members_are_forbidden_every_moderation_event(make_client: ClientFactory) -> None:
    member = await make_client()
    for event, payload in SUPPORTER_EVENTS:
        assert await error_code(member, event, payload) == "forbidden", event


async def test_a_report_is_queued_resolved_and_the_reporter_told(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    author, reporter, supporter = (await make_client(), await make_client(),
                                   await make_client(role="supporter"))  # fmt: skip
    outsider = await make_client()
    await join_all(room, author, reporter)
    sent = await author.send(room, "you lot are pathetic")
    report = {"message_id": sent["id"], "reason": "unkind"}
    assert await error_code(outsider, "message:report", report) == "not_found"
    filed = (await reporter.call("message:report", report))["report"]
    assert filed["state"] == "open"
    queued = await supporter.next_event("review:new", where=lambda r: r["id"] == filed["id"])
    assert queued["reporter"] == {"pseudonym": reporter.pseudonym} and queued["reason"] == "unkind"
    listed = (await supporter.call("reports:list", {"state": "open"}))["reports"]
    assert filed["id"] in [r["id"] for r in listed]

    resolve = {"id": filed["id"], "outcome": "actioned", "note": "spoke to them"}
    await supporter.call("report:resolve", resolve)
    updated = await reporter.next_event("report:updated", where=lambda r: r["id"] == filed["id"])
    assert updated == {"id": filed["id"], "message_id": sent["id"], "state": "resolved",
                       "outcome": "actioned"}  # fmt: skip
    assert await error_code(supporter, "report:resolve", resolve) == "invalid_state"
    resolved = (await supporter.call("reports:list", {"state": "resolved"}))["reports"]
    assert filed["id"] in [r["id"] for r in resolved]


async def test_redaction_reaches_the_room_and_removes_the_text_from_history(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    author, member, supporter = (await make_client(), await make_client(),
                                 await make_client(role="supporter"))  # fmt: skip
    await join_all(room, author, member, supporter)
    sent = await author.send(room, "my home address is 12 Acacia Avenue")
    redacted = await supporter.call("mod:redact", {"message_id": sent["id"], "reason": "doxx"})
    assert redacted["message"]["redacted"] is True and redacted["message"]["text"] is None
    for client in (author, member):
        pushed = await client.next_event("room:redacted", where=lambda m: m["id"] == sent["id"])
        assert pushed == {"id": sent["id"], "room": room}
    for client in (member, supporter):
        seen = {m["id"]: m for m in await client.history(room)}[sent["id"]]
        assert seen["text"] is None and seen["redacted"] is True
    assert await error_code(supporter, "mod:redact", {"message_id": "nosuchmessage"}) == (
        "not_found"
    )


async def test_a_timed_out_user_gets_timed_out_until_it_lapses(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room, elsewhere = new_room(server.url), new_room(server.url)
    member, supporter = await make_client(), await make_client(role="supporter")
    await join_all(room, member)
    await join_all(elsewhere, member)
    timeout = {"user": member.pseudonym, "room": room, "seconds": 2, "reason": "cool off"}
    await supporter.call("mod:timeout", timeout)
    notice = await member.next_event("moderation:notice", where=lambda n: n["action"] == "timeout")
    assert notice["room"] == room and notice["seconds"] == 2
    ack = await member.request("room:send", {"room": room, "text": SAFE, "client_id": "t1"})
    assert ack["error"]["code"] == "timed_out" and 0 < ack["error"]["retry_after_s"] <= 2
    await member.send(elsewhere, SAFE)  # other rooms are unaffected
    await asyncio.sleep(2.1)
    await member.send(room, SAFE, client_id="t2")


async def test_removal_takes_a_user_out_of_the_room(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    member, other, supporter = (await make_client(), await make_client(),
                                await make_client(role="supporter"))  # fmt: skip
    await join_all(room, member, other)
    await supporter.call("mod:remove", {"user": member.pseudonym, "room": room})
    assert (
        await error_code(member, "room:send", {"room": room, "text": SAFE, "client_id": "r1"})
        == "forbidden"
    )
    sent = await other.send(room, "still here")
    with pytest.raises(TimeoutError):
        await member.next_event("room:message", timeout=0.5, where=lambda m: m["id"] == sent["id"])


async def test_bans_per_room_and_site_wide_and_unban(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room, other_room = new_room(server.url), new_room(server.url)
    member, supporter, lead = (await make_client(), await make_client(role="supporter"),
                               await make_client(role="lead"))  # fmt: skip
    await join_all(room, member)
    await join_all(other_room, member)
    await supporter.call("mod:ban", {"user": member.pseudonym, "room": room, "reason": "abuse"})
    assert await error_code(member, "room:join", {"room": room}) == "banned"
    await member.send(other_room, SAFE)
    await supporter.call("mod:ban", {"user": member.pseudonym})
    payload = {"room": other_room, "text": SAFE, "client_id": "b1"}
    assert await error_code(member, "room:send", payload) == "banned"
    unbanned = await supporter.call("mod:unban", {"user": member.pseudonym})
    assert unbanned["lifted"] is True
    await member.send(other_room, SAFE, client_id="b2")
    await supporter.call("mod:unban", {"user": member.pseudonym, "room": room})
    await member.join(room)
    # Supporters cannot sanction those above them.
    ban_lead = {"user": lead.pseudonym}
    assert await error_code(supporter, "mod:ban", ban_lead) == "forbidden"
    assert await error_code(supporter, "mod:ban", {"user": "NobodyByThatName"}) == "not_found"


async def test_slow_mode_refuses_a_second_message_with_retry_after(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    member, supporter = await make_client(), await make_client(role="supporter")
    await join_all(room, member, supporter)
    updated = await supporter.call("room:slowmode", {"room": room, "seconds": 30})
    assert updated["room"]["slowmode_s"] == 30
    await member.next_event("room:updated", where=lambda r: r["id"] == room)
    await member.send(room, SAFE)
    ack = await member.request("room:send", {"room": room, "text": SAFE, "client_id": "s2"})
    assert ack["error"]["code"] == "slow_mode" and 0 < ack["error"]["retry_after_s"] <= 30
    await supporter.send(room, "supporters are exempt")
    await supporter.send(room, "so they can keep the room calm")
    await supporter.call("room:slowmode", {"room": room, "seconds": 0})
    await member.send(room, SAFE, client_id="s3")


async def test_a_locked_room_refuses_members_but_not_supporters(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    member, supporter = await make_client(), await make_client(role="supporter")
    await join_all(room, member, supporter)
    locked = await supporter.call("room:lock", {"room": room, "locked": True})
    assert locked["room"]["locked"] is True
    payload = {"room": room, "text": SAFE, "client_id": "l1"}
    assert await error_code(member, "room:send", payload) == "room_locked"
    await supporter.send(room, "taking a breather, back soon")
    await supporter.call("room:lock", {"room": room, "locked": False})
    await member.send(room, SAFE, client_id="l2")
