"""DM reports and "I need help now" reach the real moderation system: urgent ones open
escalations the leads claim and resolve; the rest join the supporters' review queue."""

from __future__ import annotations

import secrets
from typing import Any

from client import HuddleClient
from client.dm import report_payload
from tests.conftest import ClientFactory

WIRE_FIELDS = {"id", "source", "room", "message_id", "level", "risk", "reasons", "author",
               "created_at", "state", "due_at", "overdue", "claimed_by"}  # fmt: skip


async def received(sender: HuddleClient, recipient: HuddleClient, text: str) -> Any:
    assert recipient.pseudonym
    await sender.dm_send(recipient.pseudonym, text)
    return await recipient.dm_receive(timeout=5)


async def claim_and_resolve(lead: HuddleClient, escalation_id: str) -> None:
    claimed = await lead.call("escalation:claim", {"id": escalation_id})
    assert claimed["escalation"]["state"] == "claimed"
    resolve = {"id": escalation_id, "outcome": "supported", "note": "talked it through"}
    resolved = await lead.call("escalation:resolve", resolve)
    assert resolved["escalation"]["state"] == "resolved"
    history = (await lead.call("escalation:get", {"id": escalation_id}))["history"]
    assert [h["to"] for h in history] == ["open", "claimed", "resolved"]


async def test_an_urgent_dm_report_opens_an_escalation_a_lead_can_work(
    make_client: ClientFactory,
) -> None:
    member, supporter, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    abuse = f"nobody would miss you {secrets.token_hex(4)}"
    message = await received(supporter, member, abuse)
    filed = await member.dm_report(message, urgent=True)
    assert filed["report"]["urgent"] is True
    escalation_id = filed["report"]["id"]
    notice = await lead.next_event("escalation:new", timeout=10,
                                   where=lambda n: n["id"] == escalation_id)  # fmt: skip
    assert WIRE_FIELDS <= notice.keys() and "text" not in notice
    assert notice["source"] == "dm_report" and notice["room"] is None
    assert notice["level"] == "crisis" and notice["state"] == "open"
    assert notice["author"] == {"pseudonym": member.pseudonym}
    assert notice["subject"] == {"pseudonym": supporter.pseudonym}
    resources = await member.next_event("safety:resources", timeout=5)
    assert resources["lines"]
    offer = await member.next_event(
        "safety:offer", timeout=5, where=lambda o: o["escalation_id"] == escalation_id
    )
    assert offer["message"]
    detail = await lead.call("escalation:get", {"id": escalation_id})
    assert detail["text"] == abuse and detail["message"] is None and detail["context"] is None
    # Reporting the same message again escalates nothing new.
    again = await member.dm_report(message, urgent=True)
    assert again["report"]["id"] == escalation_id
    await claim_and_resolve(lead, escalation_id)


async def test_i_need_help_now_opens_an_escalation_with_only_the_shared_text(
    make_client: ClientFactory,
) -> None:
    member, supporter, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    assert supporter.pseudonym
    await received(supporter, member, f"private context {secrets.token_hex(4)}")
    shared = f"I don't feel safe tonight {secrets.token_hex(4)}"
    ack = await member.dm_help(shared, about=supporter.pseudonym)
    escalation_id = ack["escalation"]["id"]
    notice = await lead.next_event("escalation:new", timeout=10,
                                   where=lambda n: n["id"] == escalation_id)  # fmt: skip
    assert WIRE_FIELDS <= notice.keys() and notice["source"] == "dm_help"
    assert notice["risk"] == 1.0 and notice["reasons"] == ["asked for help from a private chat"]
    await member.next_event("safety:resources", timeout=5)
    detail = await lead.call("escalation:get", {"id": escalation_id})
    assert detail["text"] == shared
    listed = (await lead.call("escalation:list", {"state": "open"}))["escalations"]
    assert escalation_id in [e["id"] for e in listed]
    await claim_and_resolve(lead, escalation_id)


async def test_a_dm_report_joins_the_review_queue_with_its_verified_text(
    make_client: ClientFactory,
) -> None:
    member, sender, supporter = (
        await make_client(), await make_client(role="supporter"),
        await make_client(role="supporter"),
    )  # fmt: skip
    unkind = f"you are useless at this {secrets.token_hex(4)}"
    message = await received(sender, member, unkind)
    filed = (await member.dm_report(message))["report"]
    assert filed["urgent"] is False
    queued = await supporter.next_event("review:new", timeout=10,
                                        where=lambda r: r["id"] == filed["id"])  # fmt: skip
    assert queued["source"] == "dm" and queued["text"] == unkind and queued["room"] is None
    assert queued["author"] == {"pseudonym": sender.pseudonym}
    assert queued["reporter"] == {"pseudonym": member.pseudonym}
    listed = (await supporter.call("reports:list", {"state": "open", "limit": 200}))["reports"]
    mine = [r for r in listed if r["id"] == filed["id"]]
    assert mine and mine[0]["text"] == unkind
    # A second report of the same message is the first one, not a new one.
    assert (await member.dm_report(message))["report"]["id"] == filed["id"]
    resolve = {"id": filed["id"], "outcome": "actioned", "note": "spoke to them"}
    await supporter.call("report:resolve", resolve)
    updated = await member.next_event("report:updated", timeout=5,
                                      where=lambda r: r["id"] == filed["id"])  # fmt: skip
    assert updated["state"] == "resolved" and updated["outcome"] == "actioned"


async def test_a_forged_report_files_nothing(make_client: ClientFactory) -> None:
    member, sender, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    message = await received(sender, member, f"a kind message {secrets.token_hex(4)}")
    forged = report_payload(message, urgent=True) | {"text": "something they never said"}
    ack = await member.request("dm:report", forged)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    forged_review = forged | {"urgent": False}
    ack = await member.request("dm:report", forged_review)
    assert ack["error"]["code"] == "forbidden"
    listed = (await lead.call("escalation:list", {"limit": 200}))["escalations"]
    assert all(e["author"]["pseudonym"] != member.pseudonym for e in listed)
    reports = (await lead.call("reports:list", {"limit": 200}))["reports"]
    assert all((r["reporter"] or {}).get("pseudonym") != member.pseudonym for r in reports)
