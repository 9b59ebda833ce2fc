"""The Python implementation against tests/vectors/*.json (the JS runs the same files)."""

from __future__ import annotations

from typing import Any

import pytest

from client.e2ee import envelope as env
from client.e2ee import franking, ratchet, safety, x3dh
from client.e2ee import primitives as p
from client.e2ee.encoding import b64d, b64e
from client.e2ee.errors import BadEnvelope, BadSignature, DecryptError
from client.e2ee.keys import IdentityKeys, PrekeyBundle, PublicIdentity, SystemKeySource
from server.domain import franking as server_franking
from tests.e2ee.vectors import load, party, x25519
from tests.vectors import generate


def test_vectors_are_exactly_what_the_generator_makes() -> None:
    for name, data in generate.build_all().items():
        assert load(name) == data, name


def test_kdf_steps() -> None:
    v = load("kdf")
    for c in v["kdf_rk"]:
        assert ratchet.kdf_rk(b64d(c["rk"]), b64d(c["dh_out"])) == (
            b64d(c["rk_out"]),
            b64d(c["ck_out"]),
        )
    for c in v["kdf_ck"]:
        assert ratchet.kdf_ck(b64d(c["ck"])) == (b64d(c["ck_out"]), b64d(c["mk"]))
    for c in v["message_keys"]:
        assert ratchet.message_keys(b64d(c["mk"])) == (b64d(c["key"]), b64d(c["nonce"]))
    for c in v["aes_gcm"]:
        key, nonce, ad = b64d(c["key"]), b64d(c["nonce"]), b64d(c["ad"])
        assert p.aead_encrypt(key, nonce, b64d(c["plaintext"]), ad) == b64d(c["ct"])


def test_x3dh_both_sides() -> None:
    v = load("x3dh")
    alice = IdentityKeys(x25519(v["alice"]["ik_dh"]), _ed(v["alice"]["ik_sig"]))
    bob = IdentityKeys(x25519(v["bob"]["ik_dh"]), _ed(v["bob"]["ik_sig"]))
    assert alice.public().to_json() == v["alice"]["public"]
    for case in v["cases"]:
        bundle = PrekeyBundle.from_json(case["bundle"])
        res = x3dh.initiate(alice, bundle, x25519(v["ephemeral"]))
        assert [b64e(d) for d in res.dhs] == case["dh"]
        assert (b64e(res.secret), b64e(res.ad)) == (case["secret"], case["ad"])
        opk = x25519(v["bob"]["opk"]) if bundle.opk else None
        ek = p.x25519_public(x25519(v["ephemeral"]))
        back = x3dh.respond(bob, x25519(v["bob"]["spk"]), opk, alice.public(), ek)
        assert back.secret == res.secret


@pytest.mark.parametrize("index", [0, 1])
def test_bad_bundle_signatures_are_refused(index: int) -> None:
    with pytest.raises(BadSignature):
        PrekeyBundle.from_json(load("x3dh")["bad_bundles"][index])


def test_conversation_replays_byte_for_byte() -> None:
    v = load("conversation")
    people = {"alice": party(v["alice"]), "bob": party(v["bob"])}
    other = {"alice": "bob", "bob": "alice"}
    people["alice"].start("bob", v["bundle_for_alice"])
    sent: list[dict[str, Any]] = []
    for step in v["steps"]:
        me, peer = people[step["who"]], other[step["who"]]
        if step["action"] == "send":
            out = me.encrypt(peer, step["text"])
            assert out.envelope.to_json() == step["envelope"]
            assert b64e(out.commitment) == step["commitment"]
            sent.append(step["envelope"])
        else:
            got = me.decrypt(peer, env.parse(sent[step["index"]]))
            assert got.text == step["text"]
        assert generate._snapshot(me, peer) == step["state"]
    people["bob"].source = SystemKeySource()  # a forged header may draw a ratchet key
    for reject in v["rejects"]:
        with pytest.raises(DecryptError):
            people["bob"].decrypt("alice", env.parse(reject["envelope"]))
    assert people["bob"].safety_number("alice") == v["safety_number"]


def test_franking_and_server_tags() -> None:
    v = load("franking")
    secret = b64d(v["server_secret"])
    for c in v["cases"]:
        commitment = franking.commit(b64d(c["franking_key"]), c["plaintext"].encode())
        assert b64e(commitment) == c["commitment"]
        tag = server_franking.tag(secret, commitment, c["sender_id"], c["recipient_id"], c["ts_ms"])
        assert b64e(tag) == c["tag"]


def test_safety_numbers() -> None:
    for c in load("safety")["cases"]:
        a, b = PublicIdentity.from_json(c["a"]), PublicIdentity.from_json(c["b"])
        assert safety.fingerprint(a) == c["fingerprint_a"]
        assert safety.safety_number(a, b) == safety.safety_number(b, a) == c["safety_number"]
        assert len(c["safety_number"]) == 60


def _ed(text: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(b64d(text))


def test_envelope_parsing() -> None:
    v = load("envelope")
    for good in v["valid"]:
        assert env.parse(good).to_json() == good
    for case in v["invalid"]:
        with pytest.raises(BadEnvelope):
            env.parse(case["envelope"])
