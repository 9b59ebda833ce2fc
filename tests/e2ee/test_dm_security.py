"""Security properties over a real server: no plaintext at rest, forgeries refused,
tampering, replay and reordering handled, restarts and lost state recovered."""

from __future__ import annotations

import copy
import secrets
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from client import HuddleClient
from client.dm import report_payload
from client.e2ee.encoding import b64d, b64e
from client.e2ee.errors import BadSignature
from tests.conftest import ClientFactory
from tests.e2ee.test_dm_relay import reopen
from tests.servers import HuddleProcess


def stored_text(server: HuddleProcess) -> str:
    with sqlite3.connect(f"file:{server.data_dir / 'store' / 'huddle.db'}?mode=ro", uri=True) as db:
        return "\n".join(db.iterdump())


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {n!r}" for n in needles if n in data]
    return hits


async def test_no_plaintext_anywhere_in_the_data_dir(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    member, supporter = await make_client(), await make_client(role="supporter")
    assert member.pseudonym and supporter.pseudonym
    markers = [f"secret-{secrets.token_hex(6)} I can't cope with {i}" for i in range(4)]
    for i, text in enumerate(markers):
        sender, receiver = (member, supporter) if i % 2 == 0 else (supporter, member)
        assert receiver.pseudonym
        await sender.dm_send(receiver.pseudonym, text)
        assert (await receiver.dm_receive(timeout=5)).text == text
    await supporter.close()
    await member.dm_send(supporter.pseudonym, markers[0] + " (queued)")  # stays queued
    needles = [m.encode() for m in markers] + [m.split()[0].encode() for m in markers]
    assert files_containing(server.data_dir, needles) == []
    # Nor do the clients keep plaintext in their state.
    for client in (member, supporter):
        assert client.state_dir is not None
        assert files_containing(client.state_dir, needles) == []


async def test_reports_verify_and_forgeries_are_refused(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    member, supporter, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    assert member.pseudonym and supporter.pseudonym
    abuse = f"you should quit, nobody wants you here {secrets.token_hex(4)}"
    await supporter.dm_send(member.pseudonym, abuse)
    await supporter.dm_send(member.pseudonym, "a different, kind message")
    first, second = await member.dm_receive(timeout=5), await member.dm_receive(timeout=5)
    good = report_payload(first, urgent=False)
    other = report_payload(second, urgent=False)
    forgeries: dict[str, dict[str, Any]] = {
        "altered text": good | {"text": abuse + " and worse"},
        "commitment of another message": good | {"commitment": other["commitment"]},
        "tag of another message": good | {"tag": other["tag"]},
        "other message's opening": other | {"text": abuse},
        "wrong franking key": good | {"franking_key": other["franking_key"]},
        "shifted time": good | {"ts_ms": good["ts_ms"] + 1},
        "wrong sender": good | {"from": lead.pseudonym},
    }
    for why, payload in forgeries.items():
        ack = await member.request("dm:report", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", why
    # A third party holding the message cannot report it as theirs.
    ack = await lead.request("dm:report", good)
    assert ack["error"]["code"] == "forbidden"
    filed = await member.dm_report(first)
    assert filed["report"]["urgent"] is False
    urgent = await member.dm_report(first, urgent=True)
    notice = await lead.next_event("escalation:new", timeout=5,
                                   where=lambda n: n["id"] == urgent["report"]["id"])  # fmt: skip
    assert notice["source"] == "dm_report" and "text" not in notice
    dump = stored_text(server)
    assert abuse in dump and "a different, kind message" not in dump


async def test_i_need_help_now_shares_only_the_chosen_text(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    member, supporter, lead = (
        await make_client(), await make_client(role="supporter"), await make_client(role="lead")
    )  # fmt: skip
    assert supporter.pseudonym and member.pseudonym
    private = f"private context {secrets.token_hex(4)}"
    await supporter.dm_send(member.pseudonym, private)
    await member.dm_receive(timeout=5)
    shared = f"I am scared of what they said {secrets.token_hex(4)}"
    ack = await member.dm_help(shared, about=supporter.pseudonym)
    notice = await lead.next_event("escalation:new", timeout=5,
                                   where=lambda n: n["id"] == ack["escalation"]["id"])  # fmt: skip
    assert notice["source"] == "dm_help"
    dump = stored_text(server)
    assert shared in dump and private not in dump


async def test_tampered_replayed_and_reordered_envelopes(
    make_client: ClientFactory, server: HuddleProcess
) -> None:
    member, supporter = await make_client(), await make_client(role="supporter")
    assert member.pseudonym
    for i in range(4):
        await supporter.dm_send(member.pseudonym, f"m{i}")
    wires = [await member.next_event("dm:envelope", timeout=5) for _ in range(4)]
    # The server never logs envelope contents.
    log = server.log_path.read_text()
    for wire in wires:
        for field in ("ct", "commitment", "header", "sid"):
            assert wire["envelope"][field] not in log
    # Reordered by the network or the server: still decrypted, each exactly once.
    opened = [m.text for w in reversed(wires) for m in await member.dm.open(w)]
    assert opened == ["m3", "m2", "m1", "m0"]
    # Replayed by the server under a new id: never shown again.
    replay = copy.deepcopy(wires[1]) | {"id": secrets.token_hex(12)}
    assert await member.dm.open(replay) == []
    # Tampered ciphertext, header or commitment: dropped, never shown.
    await supporter.dm_send(member.pseudonym, "fresh")
    fresh = await member.next_event("dm:envelope", timeout=5)
    for field in ("ct", "header", "commitment"):
        forged = copy.deepcopy(fresh) | {"id": secrets.token_hex(12)}
        raw = bytearray(b64d(forged["envelope"][field]))
        raw[3] ^= 0x04
        forged["envelope"][field] = b64e(bytes(raw))
        assert await member.dm.open(forged) == [], field
    assert [m.text for m in await member.dm.open(fresh)] == ["fresh"]


async def test_a_restarted_client_keeps_its_sessions(make_client: ClientFactory) -> None:
    member, lead = await make_client(), await make_client(role="lead")
    assert member.pseudonym and lead.pseudonym
    await member.dm_send(lead.pseudonym, "before restart")
    assert (await lead.dm_receive(timeout=5)).text == "before restart"
    member, lead = await reopen(member), await reopen(lead)
    try:
        await lead.dm_send(member.pseudonym, "after restart")
        got = await member.dm_receive(timeout=5)
        assert (got.kind, got.text) == ("text", "after restart")
        await member.dm_send(lead.pseudonym, "still us")
        got = await lead.dm_receive(timeout=5)
        assert (got.kind, got.text) == ("text", "still us")
    finally:
        await member.close()
        await lead.close()


async def test_lost_state_recovers_with_a_new_session_and_a_notice(
    make_client: ClientFactory,
) -> None:
    member, supporter = await make_client(), await make_client(role="supporter")
    assert member.pseudonym and supporter.pseudonym and member.state_dir
    await member.dm_send(supporter.pseudonym, "hello")
    await supporter.dm_receive(timeout=5)
    await supporter.dm_send(member.pseudonym, "hi there")
    await member.dm_receive(timeout=5)
    # The member's phone is wiped: the account token survives, every key is gone.
    await member.close()
    (member.state_dir / "e2ee.json").unlink()
    member = HuddleClient(member.base_url, state_dir=member.state_dir)
    await member.connect()
    try:
        await supporter.dm_send(member.pseudonym, "are you ok?")  # old session: unreadable
        lost = await member.dm_receive(timeout=5)
        assert (lost.kind, lost.notice) == ("notice", "undecryptable")
        reset = await supporter.dm_receive(timeout=5)
        assert (reset.kind, reset.notice) == ("notice", "session_reset")
        await supporter.dm_send(member.pseudonym, "are you ok? (resent)")
        changed = await supporter.dm_receive(timeout=5)
        assert changed.notice == "identity_changed"
        got = await member.dm_receive(timeout=5)
        assert (got.kind, got.text) == ("text", "are you ok? (resent)")
        assert member.safety_number(supporter.pseudonym) == supporter.safety_number(
            member.pseudonym
        )
    finally:
        await member.close()


async def test_a_client_refuses_a_bundle_with_a_bad_signature(make_client: ClientFactory) -> None:
    member, supporter = await make_client(), await make_client(role="supporter")
    assert supporter.pseudonym
    real = member.call

    async def tampering_server(event: str, payload: Any = None, timeout: float = 10.0) -> Any:
        ack = await real(event, payload, timeout)
        if event == "keys:bundle":
            sig = bytearray(b64d(ack["bundle"]["spk"]["sig"]))
            sig[0] ^= 1
            ack["bundle"]["spk"]["sig"] = b64e(bytes(sig))
        return ack

    member.dm._call = tampering_server
    with pytest.raises(BadSignature):
        await member.dm_send(supporter.pseudonym, "should never be sent")
    assert not member.dm.sessions.has_session(supporter.pseudonym)
    with pytest.raises(TimeoutError):
        await supporter.dm_receive(timeout=0.5)
