"""Acceptance 6 and 8: the append-only audit log covers moderation, escalation changes
and role grants (HTTP and CLI), is readable by leads and admins only, and has no way to
change or remove an entry."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import aiohttp
import socketio

from client import HuddleClient
from server.domain.audit import AuditLog
from server.storage.audit import MongoAuditLog
from tests.conftest import ClientFactory
from tests.moderation_e2e.helpers import CRISIS, error_code, escalation_for, join_all, new_room
from tests.servers import ADMIN_TOKEN, HUDDLE, HuddleProcess

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body, headers=ADMIN) as response,
    ):
        return response.status, await response.json(content_type=None)


async def huddle_users(server: HuddleProcess, *args: str | None) -> str:
    cli = await asyncio.to_thread(
        subprocess.run,
        [str(HUDDLE), "users", *map(str, args)],
        env=server.environment(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    return cli.stdout


async def entries(reader: HuddleClient, **filters: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await reader.call("audit:list", filters))["entries"]
    return found


async def test_role_grants_over_http_and_the_cli_are_audited(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    admin = await make_client(role="admin")
    user = await make_client(connect=False)
    url = server.url + f"/api/users/{user.pseudonym}/role"
    status, _ = await http("POST", url, {"role": "supporter"})
    assert status == 200
    assert "supporter -> lead" in await huddle_users(server, "grant", user.pseudonym, "lead")
    assert "lead -> member" in await huddle_users(server, "revoke", user.pseudonym)
    status, _ = await http("POST", url, {"role": "supporter"})
    await user.connect()
    status, body = await http("DELETE", url)
    assert status == 200 and body["role"] == "member" and body["previous"] == "supporter"
    # A revoke applies at once: the live session ends, and comes back as a member.
    await user.next_event("session:ended")
    logged = await entries(admin, target=user.pseudonym)
    changes = [(e["actor"], e["action"], e["details"]["previous"], e["details"]["role"])
               for e in reversed(logged)]  # fmt: skip
    assert changes == [
        ("admin-token", "role.grant", "member", "supporter"),
        ("cli", "role.grant", "supporter", "lead"),
        ("cli", "role.revoke", "lead", "member"),
        ("admin-token", "role.grant", "member", "supporter"),
        ("admin-token", "role.revoke", "supporter", "member"),
    ]
    assert all(e["result"] == "ok" and e["at"] for e in logged)


async def test_moderation_and_escalation_changes_are_audited_with_results(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = new_room(server.url)
    writer, supporter, lead = (await make_client(), await make_client(role="supporter"),
                               await make_client(role="lead"))  # fmt: skip
    await join_all(room, writer)
    sent = await writer.send(room, CRISIS)
    escalation = await escalation_for(lead, sent["id"])
    await lead.call("escalation:claim", {"id": escalation["id"]})
    resolve = {"id": escalation["id"], "outcome": "referred", "note": "GP tomorrow"}
    await lead.call("escalation:resolve", resolve)
    await supporter.call("room:slowmode", {"room": room, "seconds": 5})
    timeout = {"user": writer.pseudonym, "room": room, "seconds": 60, "reason": "flooding"}
    await supporter.call("mod:timeout", timeout)

    by_room = await entries(lead, room=room)
    actions = [(e["actor"], e["action"]) for e in reversed(by_room)]
    assert actions == [
        ("classifier", "escalation.open"),
        (lead.pseudonym, "escalation.claimed"),
        (lead.pseudonym, "escalation.resolved"),
        (supporter.pseudonym, "room.slowmode"),
        (supporter.pseudonym, "user.timeout"),
    ]
    timed_out = by_room[0]
    assert timed_out["target"] == writer.pseudonym and timed_out["reason"] == "flooding"
    assert timed_out["details"] == {"seconds": 60} and timed_out["result"] == "ok"
    assert writer.identity and writer.identity.user_id not in str(by_room)
    assert by_room[2]["reason"] == "referred"
    assert await error_code(supporter, "mod:ban", {"user": lead.pseudonym}) == "forbidden"
    refused = (await entries(lead, actor=supporter.pseudonym, action="user.ban"))[0]
    assert refused["target"] == lead.pseudonym and refused["result"] == "forbidden"
    assert await error_code(supporter, "audit:list", {}) == "forbidden"
    assert await error_code(lead, "audit:list", {"limit": 0}) == "invalid_payload"
    assert await error_code(lead, "audit:list", {"before": "yesterday"}) == "invalid_payload"


async def test_there_is_no_path_to_change_or_remove_an_entry(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    admin = await make_client(role="admin")
    before = await entries(admin, limit=200)
    # No socket event: the server has no handler, so no ack ever comes.
    for event in ("audit:update", "audit:delete", "audit:clear"):
        try:
            await admin.request(event, {"id": before[0]["id"]}, timeout=0.5)
        except socketio.exceptions.TimeoutError:
            continue
        raise AssertionError(f"{event} was answered")
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        status, _ = await http(method, server.url + f"/api/audit/{before[0]['id']}")
        assert status in (404, 405)
    after = await entries(admin, limit=200)
    assert {e["id"]: e for e in after}.items() >= {e["id"]: e for e in before}.items()
    # And no code path: the port and its adapter only append and read.
    public = {name for name in dir(MongoAuditLog) if not name.startswith("_")}
    assert public == {"append", "list"}
    assert {n for n in dir(AuditLog) if not n.startswith("_")} == {"append", "list"}
