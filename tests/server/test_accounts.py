"""Invites, registration, admin calls and their errors, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from client import HuddleClient, HuddleClientError
from tests.conftest import ClientFactory, create_invites
from tests.servers import ADMIN_TOKEN, HUDDLE, HuddleProcess

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers or {}) as response,
    ):
        return response.status, await response.json(content_type=None)


async def test_healthz(server: HuddleProcess) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.url + "/healthz") as r:
        assert r.status == 200 and await r.json() == {"status": "ok"}
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]


@pytest.mark.parametrize("role", ["member", "supporter", "lead", "admin"])
async def test_invites_register_users_with_their_role(server: HuddleProcess, role: str) -> None:
    status, body = await post(server.url + "/api/invites", {"role": role, "count": 2}, ADMIN)
    assert status == 201 and len(body["codes"]) == 2 and len(set(body["codes"])) == 2
    status, user = await post(server.url + "/api/register", {"invite": body["codes"][0]})
    assert status == 201
    assert set(user) == {"token", "user_id", "pseudonym", "role"} and user["role"] == role


async def test_generated_pseudonyms_look_friendly_and_are_unique(server: HuddleProcess) -> None:
    names = set()
    for code in create_invites(server.url, count=5):
        _, user = await post(server.url + "/api/register", {"invite": code})
        assert user["pseudonym"].split("-")[-1].isdigit()
        names.add(user["pseudonym"])
    assert len(names) == 5


async def test_an_invite_is_single_use(server: HuddleProcess) -> None:
    code = create_invites(server.url)[0]
    status, _ = await post(server.url + "/api/register", {"invite": code})
    assert status == 201
    status, body = await post(server.url + "/api/register", {"invite": code})
    assert status == 401 and body["error"]["code"] == "unauthorized"


async def test_a_chosen_pseudonym_is_unique_and_a_refusal_keeps_the_invite(
    server: HuddleProcess,
) -> None:
    first, second = create_invites(server.url, count=2)
    status, _ = await post(server.url + "/api/register", {"invite": first, "pseudonym": "NightOwl"})
    assert status == 201
    status, body = await post(
        server.url + "/api/register", {"invite": second, "pseudonym": "nightowl"}
    )
    assert status == 409 and body["error"]["code"] == "conflict"
    status, _ = await post(server.url + "/api/register", {"invite": second, "pseudonym": "DayOwl"})
    assert status == 201


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "code"),
    [
        ("/api/invites", {"role": "member"}, {}, 401, "unauthorized"),
        (
            "/api/invites",
            {"role": "member"},
            {"Authorization": "Bearer wrong"},
            401,
            "unauthorized",
        ),
        ("/api/invites", {"role": "overlord"}, ADMIN, 400, "invalid_payload"),
        ("/api/invites", {"role": "member", "count": 0}, ADMIN, 400, "invalid_payload"),
        ("/api/invites", {"role": "member", "count": "3"}, ADMIN, 400, "invalid_payload"),
        ("/api/invites", b"{not json", ADMIN, 400, "invalid_payload"),
        ("/api/register", b"{not json", {}, 400, "invalid_payload"),
        ("/api/register", b"", {}, 400, "invalid_payload"),
        ("/api/register", [1, 2, 3], {}, 400, "invalid_payload"),
        ("/api/register", {"invite": 12}, {}, 400, "invalid_payload"),
        ("/api/register", {"invite": "NOPE-NOPE"}, {}, 401, "unauthorized"),
        ("/api/register", {"invite": "x", "pseudonym": "<script>"}, {}, 400, "invalid_payload"),
        ("/api/register", b"\xff\xfe\x00garbage", {}, 400, "invalid_payload"),
        ("/api/register", b"x" * (70 * 1024), {}, 413, "too_large"),
        ("/api/rooms", {"id": "new-room"}, ADMIN, 400, "invalid_payload"),
        ("/api/nowhere", {}, {}, 404, "not_found"),
    ],
)
async def test_http_rejections_are_clear_json_errors(
    server: HuddleProcess, path: str, body: Any, headers: dict[str, str], status: int, code: str
) -> None:
    got_status, answer = await post(server.url + path, body, headers)
    assert (got_status, answer["error"]["code"]) == (status, code)
    assert answer["error"]["message"]


async def test_admins_create_and_archive_rooms(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    room = {"id": "paramedics", "title": "Paramedics", "description": "Life on the road."}
    status, body = await post(server.url + "/api/rooms", room, ADMIN)
    assert status == 201 and body["room"]["id"] == "paramedics"
    status, body = await post(server.url + "/api/rooms", room, ADMIN)
    assert status == 409
    member = await make_client()
    assert "paramedics" in [r["id"] for r in await member.rooms()]
    await member.join("paramedics")
    status, _ = await post(server.url + "/api/rooms/paramedics/archive", {}, ADMIN)
    assert status == 200
    assert "paramedics" not in [r["id"] for r in await member.rooms()]
    ack = await member.request("room:send", {"room": "paramedics", "text": "hi", "client_id": "a"})
    assert ack["error"]["code"] == "not_found"


async def test_an_admin_user_token_works_and_a_member_token_does_not(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    admin, member = await make_client("admin", connect=False), await make_client(connect=False)
    status, _ = await post(
        server.url + "/api/invites", {"role": "member"}, {"Authorization": f"Bearer {admin.token}"}
    )
    assert status == 201
    status, _ = await post(
        server.url + "/api/invites", {"role": "member"}, {"Authorization": f"Bearer {member.token}"}
    )
    assert status == 401


async def test_roles_change_over_http_and_the_cli(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    user = await make_client(connect=False)
    status, body = await post(
        server.url + f"/api/users/{user.pseudonym}/role", {"role": "supporter"}, ADMIN
    )
    assert status == 200 and body == {
        "pseudonym": user.pseudonym,
        "role": "supporter",
        "previous": "member",
    }
    cli = await asyncio.to_thread(
        subprocess.run,
        [str(HUDDLE), "users", "grant", str(user.pseudonym), "lead"],
        env=server.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert "supporter -> lead" in cli.stdout
    again = HuddleClient.from_token(server.url, user.token)
    await again.connect()
    try:
        rooms = await again.rooms()
        assert rooms
    finally:
        await again.close()
    status, body = await post(server.url + "/api/users/NoSuchPerson/role", {"role": "lead"}, ADMIN)
    assert status == 404


async def test_tokens_and_invite_codes_are_stored_only_as_hashes(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    client = await make_client(connect=False)
    code = create_invites(server.url)[0]
    store = Path(server.data_dir) / "store" / "huddle.db"
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        dump = "\n".join(db.iterdump())
    assert client.token not in dump
    assert code not in dump and code.replace("-", "") not in dump


async def test_registration_is_rate_limited_per_address(start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server(HUDDLE_REGISTER_BURST="3", HUDDLE_REGISTER_RATE_PER_S="0.01")
    statuses = [
        (await post(server.url + "/api/register", {"invite": "WRONG"}))[0] for _ in range(5)
    ]
    assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]


async def test_a_client_error_carries_the_code(server: HuddleProcess) -> None:
    client = HuddleClient(server.url)
    with pytest.raises(HuddleClientError) as refused:
        await client.register("NOT-A-CODE")
    assert refused.value.code == "unauthorized" and refused.value.status == 401
