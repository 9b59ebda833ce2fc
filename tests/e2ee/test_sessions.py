"""Sessions end to end without a server: ordering, tampering, replay, bounds and recovery."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from client.e2ee import envelope as env
from client.e2ee import ratchet, state
from client.e2ee.encoding import b64d, b64e
from client.e2ee.errors import BadSignature, DecryptError, NoSession, ReplayError, TooManySkipped
from client.e2ee.sessions import SecureSessions


def pair() -> tuple[SecureSessions, SecureSessions]:
    alice, bob = SecureSessions.create(), SecureSessions.create()
    alice.start("bob", bundle_of(bob))
    return alice, bob


def bundle_of(who: SecureSessions, with_opk: bool = True) -> dict[str, Any]:
    up = who.upload_payload(1)
    return {
        "identity": up["identity"],
        "spk": up["spk"],
        "opk": up["opks"][0] if with_opk else None,
    }


def wire(out: Any) -> env.Envelope:
    """Through JSON, as the server would relay it."""
    return env.parse(json.loads(json.dumps(out.envelope.to_json())))


def test_out_of_order_across_ratchet_steps() -> None:
    alice, bob = pair()
    first = [wire(alice.encrypt("bob", f"a{i}")) for i in range(3)]
    assert bob.decrypt("alice", first[1]).text == "a1"
    reply = wire(bob.encrypt("alice", "b0"))
    assert alice.decrypt("bob", reply).text == "b0"
    second = [wire(alice.encrypt("bob", f"c{i}")) for i in range(2)]
    got = [bob.decrypt("alice", e).text for e in (second[1], first[2], second[0], first[0])]
    assert got == ["c1", "a2", "c0", "a0"]
    assert all(not ps.by_sid[ps.active].ratchet.skipped for ps in bob.peers.values() if ps.active)


def test_replay_and_duplicates_are_rejected() -> None:
    alice, bob = pair()
    msgs = [wire(alice.encrypt("bob", t)) for t in ("one", "two")]
    bob.decrypt("alice", msgs[1])
    bob.decrypt("alice", msgs[0])
    for m in msgs:
        with pytest.raises(ReplayError):
            bob.decrypt("alice", m)


@pytest.mark.parametrize("field", ["ct", "header", "commitment", "sid"])
def test_tampering_is_rejected_and_changes_nothing(field: str) -> None:
    alice, bob = pair()
    good = alice.encrypt("bob", "hello").envelope.to_json()
    raw = bytearray(b64d(good[field]))
    raw[-1] ^= 0x80
    before = state.dump(bob)
    with pytest.raises((DecryptError, NoSession)):
        bob.decrypt("alice", env.parse(good | {field: b64e(bytes(raw))}))
    assert state.dump(bob) == before
    assert bob.decrypt("alice", env.parse(good)).text == "hello"


def test_commitment_and_ciphertext_from_different_messages_do_not_mix() -> None:
    alice, bob = pair()
    a, b = (alice.encrypt("bob", t).envelope.to_json() for t in ("first", "second"))
    with pytest.raises(DecryptError):
        bob.decrypt("alice", env.parse(b | {"commitment": a["commitment"]}))


def test_skipping_is_bounded() -> None:
    alice, bob = pair()
    bob.decrypt("alice", alice.encrypt("bob", "start").envelope)
    sending = alice.peers["bob"].by_sid[alice.peers["bob"].active or b""].ratchet
    sending.ns += ratchet.MAX_SKIP + 1  # as if that many messages had been lost on the way
    with pytest.raises(TooManySkipped):
        bob.decrypt("alice", alice.encrypt("bob", "too far").envelope)


def test_stored_skipped_keys_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratchet, "MAX_STORED_SKIPPED", 5)
    alice, bob = pair()
    outs = [alice.encrypt("bob", str(i)).envelope for i in range(9)]
    bob.decrypt("alice", outs[8])
    session = bob.peers["alice"].by_sid[bob.peers["alice"].active or b""].ratchet
    assert len(session.skipped) == 5
    with pytest.raises(DecryptError):
        bob.decrypt("alice", outs[0])  # its key was evicted: lost, never mis-decrypted
    assert bob.decrypt("alice", outs[7]).text == "7"


def test_used_message_keys_are_deleted() -> None:
    alice, bob = pair()
    outs = [alice.encrypt("bob", str(i)).envelope for i in range(3)]
    bob.decrypt("alice", outs[2])
    dumped = json.dumps(state.dump(bob), separators=(",", ":"))
    assert dumped.count('"skipped":[[') == 1  # two pending keys only, for messages 0 and 1
    bob.decrypt("alice", outs[0])
    bob.decrypt("alice", outs[1])
    assert '"skipped":[]' in json.dumps(state.dump(bob), separators=(",", ":"))


def test_bad_bundle_signature_is_refused() -> None:
    alice, bob, mallory = SecureSessions.create(), SecureSessions.create(), SecureSessions.create()
    bundle = bundle_of(bob)
    bundle["spk"] = bundle_of(mallory)["spk"]  # a prekey Bob never signed
    with pytest.raises(BadSignature):
        alice.start("bob", bundle)
    assert not alice.has_session("bob")


def test_one_time_prekey_is_used_once() -> None:
    alice, bob = pair()
    before = len(bob.opks)
    bob.decrypt("alice", alice.encrypt("bob", "hi").envelope)
    assert len(bob.opks) == before - 1


def test_restarted_client_continues_its_sessions(tmp_path: Path) -> None:
    alice, bob = pair()
    path = tmp_path / "bob" / "e2ee.json"
    bob.decrypt("alice", alice.encrypt("bob", "before").envelope)
    state.save(path, bob)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    revived = state.load_or_create(path)
    assert revived.decrypt("alice", alice.encrypt("bob", "after").envelope).text == "after"
    assert alice.decrypt("bob", revived.encrypt("alice", "back").envelope).text == "back"


def test_lost_state_recovers_with_a_new_session_and_a_notice() -> None:
    alice, bob = pair()
    bob.decrypt("alice", alice.encrypt("bob", "hi").envelope)
    alice.decrypt("bob", bob.encrypt("alice", "hey").envelope)
    bob = SecureSessions.create()  # reinstalled: every key and session gone
    lost = alice.encrypt("bob", "are you there?").envelope
    with pytest.raises(NoSession):
        bob.decrypt("alice", lost)
    notice = alice.on_reset("bob", bob.reset_envelope(lost.sid).sid)
    assert notice is not None and notice.kind == "session_reset"
    assert not alice.has_session("bob")
    notices = alice.start("bob", bundle_of(bob))
    assert [n.kind for n in notices] == ["identity_changed"]
    got = bob.decrypt("alice", alice.encrypt("bob", "fresh start").envelope)
    assert got.text == "fresh start"
    assert alice.safety_number("bob") == bob.safety_number("alice")


def test_simultaneous_starts_still_deliver_both_ways() -> None:
    alice, bob = SecureSessions.create(), SecureSessions.create()
    alice.start("bob", bundle_of(bob))
    bob.start("alice", bundle_of(alice))
    to_bob, to_alice = alice.encrypt("bob", "A"), bob.encrypt("alice", "B")
    assert bob.decrypt("alice", to_bob.envelope).text == "A"
    assert alice.decrypt("bob", to_alice.envelope).text == "B"
    assert alice.decrypt("bob", bob.encrypt("alice", "B2").envelope).text == "B2"
    assert bob.decrypt("alice", alice.encrypt("bob", "A2").envelope).text == "A2"


def test_signed_prekeys_rotate_and_the_previous_one_still_opens() -> None:
    alice, bob = SecureSessions.create(), SecureSessions.create()
    alice.start("bob", bundle_of(bob))  # made against Bob's first signed prekey
    assert not bob.rotate_spk_if_due(bob.spk_created_at + 60)
    assert bob.rotate_spk_if_due(bob.spk_created_at + 8 * 86400)
    assert sorted(bob.spks) == [1, 2]
    assert bob.decrypt("alice", alice.encrypt("bob", "in flight").envelope).text == "in flight"
    late = SecureSessions.create()
    late.start("bob", bundle_of(bob, with_opk=False))
    for _ in range(2):
        bob.rotate_spk_if_due(bob.spk_created_at + 8 * 86400)
    assert sorted(bob.spks) == [3, 4]
    with pytest.raises(NoSession):  # its signed prekey (id 2) is gone: forward secrecy
        bob.decrypt("late", late.encrypt("bob", "too late").envelope)
