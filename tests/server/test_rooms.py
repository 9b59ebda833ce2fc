"""Rooms over real sockets: listing, joining, live delivery, seq, idempotency and catch-up."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import socketio

from client import HuddleClient, HuddleClientError
from tests.conftest import ClientFactory
from tests.servers import HuddleProcess

SEEDED = {
    "general", "burnout", "night-shifts", "grief-and-loss",
    "after-a-patient-death", "new-starters", "managing-anxiety",
}  # fmt: skip


async def test_a_connection_without_a_valid_token_is_refused(server: HuddleProcess) -> None:
    for auth in (None, {}, {"token": "not-a-real-token-at-all"}, {"token": 42}):
        sio = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await sio.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=5)
        await sio.shutdown()


async def test_rooms_list_shows_the_seeded_rooms(make_client: ClientFactory) -> None:
    client = await make_client()
    rooms = {room["id"]: room for room in await client.rooms()}
    assert SEEDED <= set(rooms)
    assert rooms["night-shifts"]["title"] == "Night shifts"
    for room in rooms.values():
        assert set(room) >= {"id", "title", "description", "members"}
        assert room["description"] and isinstance(room["members"], int)


async def test_join_returns_history_and_counts_members(make_client: ClientFactory) -> None:
    alice, bob = await make_client(), await make_client()
    room = "new-starters"
    before = {r["id"]: r["members"] for r in await alice.rooms()}[room]
    await alice.join(room)
    sent = await alice.send(room, "first week on the ward, any tips?")
    joined = await bob.join(room)
    assert sent["id"] in [m["id"] for m in joined["messages"]]
    after = {r["id"]: r["members"] for r in await bob.rooms()}[room]
    assert after == before + 2


async def test_a_message_reaches_every_member_live(make_client: ClientFactory) -> None:
    alice, bob = await make_client(), await make_client(role="supporter")
    for client in (alice, bob):
        await client.join("general")
    sent = await alice.send("general", "made it through the night shift", client_id="c-1")
    pushed = await bob.next_event("room:message", where=lambda m: m["id"] == sent["id"])
    assert set(pushed) >= {"id", "room", "seq", "author", "text", "ts", "client_id"}
    assert pushed["author"] == {"pseudonym": alice.pseudonym, "role": "member"}
    assert pushed["text"] == "made it through the night shift"
    assert pushed["client_id"] == "c-1" and pushed["room"] == "general"
    assert "user_id" not in pushed["author"] and alice.identity
    assert alice.identity.user_id not in str(pushed)


async def test_seq_rises_by_one_per_room(make_client: ClientFactory) -> None:
    alice = await make_client()
    await alice.join("burnout")
    seqs = [(await alice.send("burnout", f"note {i}"))["seq"] for i in range(5)]
    assert seqs == list(range(seqs[0], seqs[0] + 5))


async def test_concurrent_sends_get_distinct_consecutive_seqs(make_client: ClientFactory) -> None:
    clients = [await make_client() for _ in range(4)]
    for client in clients:
        await client.join("grief-and-loss")
    sent = await asyncio.gather(
        *(c.send("grief-and-loss", f"thinking of you {i}") for i, c in enumerate(clients))
    )
    seqs = sorted(m["seq"] for m in sent)
    assert seqs == list(range(seqs[0], seqs[0] + 4))


async def test_a_resend_returns_the_original_and_stores_no_duplicate(
    make_client: ClientFactory,
) -> None:
    alice = await make_client()
    await alice.join("managing-anxiety")
    client_id = secrets.token_hex(6)
    first = await alice.send("managing-anxiety", "breathing exercises help me", client_id)
    again = await alice.send("managing-anxiety", "breathing exercises help me", client_id)
    assert again == first
    history = await alice.history("managing-anxiety", limit=200)
    assert [m["client_id"] for m in history].count(client_id) == 1


async def test_a_reconnecting_client_catches_up_with_after_seq(
    make_client: ClientFactory,
) -> None:
    alice, bob = await make_client(), await make_client()
    for client in (alice, bob):
        await client.join("after-a-patient-death")
    last_seen = (await bob.send("after-a-patient-death", "I'm here"))["seq"]
    await bob.sio.disconnect()
    missed = [await alice.send("after-a-patient-death", f"missed {i}") for i in range(3)]
    await bob.connect()
    caught_up = await bob.history("after-a-patient-death", after_seq=last_seen)
    assert [m["id"] for m in caught_up] == [m["id"] for m in missed]
    # Membership survives the reconnect: new messages arrive without re-joining.
    live = await alice.send("after-a-patient-death", "welcome back")
    await bob.next_event("room:message", where=lambda m: m["id"] == live["id"])


async def test_history_pages_backwards_with_before_seq(make_client: ClientFactory) -> None:
    alice = await make_client()
    await alice.join("night-shifts")
    sent = [await alice.send("night-shifts", f"page {i}") for i in range(6)]
    newest = await alice.history("night-shifts", limit=3)
    assert [m["id"] for m in newest] == [m["id"] for m in sent[-3:]]
    older = await alice.history("night-shifts", before_seq=newest[0]["seq"], limit=3)
    assert [m["id"] for m in older] == [m["id"] for m in sent[-6:-3]]


async def test_leaving_stops_delivery_and_sending(make_client: ClientFactory) -> None:
    alice, bob = await make_client(), await make_client()
    for client in (alice, bob):
        await client.join("general")
    await bob.leave("general")
    with pytest.raises(HuddleClientError) as refused:
        await bob.send("general", "still here?")
    assert refused.value.code == "forbidden"
    sent = await alice.send("general", "bob has gone")
    with pytest.raises(TimeoutError):
        await bob.next_event("room:message", timeout=0.5, where=lambda m: m["id"] == sent["id"])


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("room:join", {"room": "no-such-room"}, "not_found"),
        ("room:join", {"room": "Bad Room!"}, "invalid_payload"),
        ("room:send", {"room": "general", "text": "x" * 4001, "client_id": "a"}, "too_large"),
        ("room:send", {"room": "general", "text": "", "client_id": "a"}, "invalid_payload"),
        ("room:send", {"room": "general", "text": "hi"}, "invalid_payload"),
        ("room:history", {"room": "general", "limit": 10_000}, "invalid_payload"),
        ("room:history", {"room": "burnout"}, "forbidden"),
        ("rooms:list", "not an object", "invalid_payload"),
    ],
)
async def test_bad_requests_get_error_acks(
    make_client: ClientFactory, event: str, payload: object, code: str
) -> None:
    client = await make_client()
    ack = await client.request(event, payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]


async def test_text_of_exactly_4000_characters_is_accepted(make_client: ClientFactory) -> None:
    client = await make_client()
    await client.join("general")
    message = await client.send("general", "y" * 4000)
    assert len(message["text"]) == 4000


async def test_sending_too_fast_is_rate_limited(make_client: ClientFactory) -> None:
    client = await make_client()
    await client.join("burnout")
    acks = [
        await client.request(
            "room:send", {"room": "burnout", "text": f"flood {i}", "client_id": f"f{i}"}
        )
        for i in range(15)
    ]
    limited = [a for a in acks if not a["ok"]]
    assert limited and all(a["error"]["code"] == "rate_limited" for a in limited)
    assert limited[0]["error"]["retry_after_s"] > 0
    assert sum(1 for a in acks if a["ok"]) >= 10


async def test_a_client_can_hold_a_user_registered_elsewhere(
    make_client: ClientFactory, server: HuddleProcess, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    registered = await make_client(connect=False)
    assert registered.identity is not None
    held = HuddleClient.from_token(server.url, registered.identity.token)
    await held.connect()
    try:
        await held.join("general")
        message = await held.send("general", "hello from the browser user")
        assert message["author"]["pseudonym"] == registered.pseudonym
    finally:
        await held.close()
    # A client restarted on the same state_dir is the same user.
    again = HuddleClient(server.url, state_dir=registered.state_dir)
    assert again.pseudonym == registered.pseudonym


async def test_a_role_change_reaches_an_open_connection(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    import aiohttp

    from tests.servers import ADMIN_TOKEN

    member, other = await make_client(), await make_client()
    await member.join("general")
    await other.join("general")
    async with aiohttp.ClientSession() as session:
        await session.post(
            f"{server.url}/api/users/{member.pseudonym}/role",
            json={"role": "supporter"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    await asyncio.sleep(2.2)
    sent = await member.send("general", "now a supporter")
    assert sent["author"]["role"] == "supporter"
    pushed = await other.next_event("room:message", where=lambda m: m["id"] == sent["id"])
    assert pushed["author"]["role"] == "supporter"


async def test_a_refused_connection_names_the_error_code(server: HuddleProcess) -> None:
    sio = socketio.AsyncClient(reconnection=False)
    received: list[object] = []

    async def connect_error(data: object) -> None:
        received.append(data)

    sio.on("connect_error", connect_error)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await sio.connect(server.url, auth={"token": "x" * 40}, transports=["websocket"])
    await sio.shutdown()
    assert received == [
        {
            "message": "a valid token is required",
            "data": {"code": "unauthorized", "message": "a valid token is required"},
        }
    ]


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"]])
async def test_http_long_polling_and_its_upgrade_carry_a_chat(
    make_client: ClientFactory, transports: list[str]
) -> None:
    # The server drops the handshake's environ after auth (memory per idle connection);
    # polling requests and the upgrade to WebSocket must not need it.
    member, listener = await make_client(), await make_client()
    await listener.join("night-shifts")
    sio = socketio.AsyncClient(reconnection=False)
    try:
        await sio.connect(
            member.base_url, auth={"token": member.token}, transports=transports, wait_timeout=5
        )
        joined = await sio.call("room:join", {"room": "night-shifts"}, timeout=5)
        assert joined["ok"], joined
        sent = await sio.call(
            "room:send",
            {"room": "night-shifts", "text": "anyone else on till 8?", "client_id": "poll-1"},
            timeout=5,
        )
        assert sent["ok"], sent
        pushed = await listener.next_event(
            "room:message", where=lambda m: m["client_id"] == "poll-1"
        )
        assert pushed["text"] == "anyone else on till 8?"
        assert sio.transport() == transports[-1]
    finally:
        await sio.disconnect()
        await sio.shutdown()
