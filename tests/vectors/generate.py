"""Generate Huddle's E2EE test vectors deterministically: ``python -m tests.vectors.generate``.

Every private key and random value comes from a seeded source and is written into the
vectors, so another implementation (web/js/e2ee) can inject the same values and must
produce byte-identical outputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import envelope as env
from client.e2ee import franking, ratchet, safety, x3dh
from client.e2ee import primitives as p
from client.e2ee.encoding import b64e
from client.e2ee.keys import (
    IdentityKeys,
    OneTimePrekey,
    PrekeyBundle,
    SeededKeySource,
    sign_prekey,
)
from client.e2ee.sessions import SecureSessions
from server.domain import franking as server_franking

HERE = Path(__file__).parent
SERVER_SECRET = b"\x5a" * 32


class RecordingSource(SeededKeySource):
    """A seeded source that remembers what it handed out, for the vectors."""

    def __init__(self, seed: bytes) -> None:
        super().__init__(seed)
        self.x25519_drawn: list[str] = []
        self.random_drawn: list[str] = []

    def x25519(self) -> X25519PrivateKey:
        key = super().x25519()
        self.x25519_drawn.append(b64e(p.private_raw(key)))
        return key

    def random(self, n: int) -> bytes:
        data = super().random(n)
        self.random_drawn.append(b64e(data))
        return data


def _seeded(label: str) -> SeededKeySource:
    return SeededKeySource(label.encode())


def kdf_vectors() -> dict[str, Any]:
    src = _seeded("kdf")
    rk_cases = []
    ck_cases = []
    mk_cases = []
    for _ in range(3):
        rk, dh_out, ck, mk = (src.random(32) for _ in range(4))
        new_rk, new_ck = ratchet.kdf_rk(rk, dh_out)
        rk_cases.append(
            {"rk": b64e(rk), "dh_out": b64e(dh_out), "rk_out": b64e(new_rk), "ck_out": b64e(new_ck)}
        )
        next_ck, out_mk = ratchet.kdf_ck(ck)
        ck_cases.append({"ck": b64e(ck), "ck_out": b64e(next_ck), "mk": b64e(out_mk)})
        key, nonce = ratchet.message_keys(mk)
        mk_cases.append({"mk": b64e(mk), "key": b64e(key), "nonce": b64e(nonce)})
    aead = []
    for text in ("", "hello", "こんにちは — night shift"):
        key, nonce, ad = src.random(32), src.random(12), src.random(40)
        ct = p.aead_encrypt(key, nonce, text.encode(), ad)
        aead.append(
            {
                "key": b64e(key),
                "nonce": b64e(nonce),
                "ad": b64e(ad),
                "plaintext": b64e(text.encode()),
                "ct": b64e(ct),
            }
        )
    return {
        "info": {
            "x3dh": x3dh.X3DH_INFO.decode(),
            "ratchet": ratchet.RATCHET_INFO.decode(),
            "message": ratchet.MESSAGE_INFO.decode(),
        },
        "kdf_rk": rk_cases,
        "kdf_ck": ck_cases,
        "message_keys": mk_cases,
        "aes_gcm": aead,
    }


def _identity(src: SeededKeySource) -> IdentityKeys:
    return IdentityKeys(src.x25519(), src.ed25519())


def _priv(key: X25519PrivateKey | Ed25519PrivateKey) -> str:
    return b64e(p.private_raw(key))


def x3dh_vectors() -> dict[str, Any]:
    src = _seeded("x3dh")
    alice, bob = _identity(src), _identity(src)
    spk, opk, ek = src.x25519(), src.x25519(), src.x25519()
    signed = sign_prekey(bob, 7, spk)
    cases = []
    for with_opk in (True, False):
        bundle = PrekeyBundle(
            bob.public(), signed, OneTimePrekey(3, p.x25519_public(opk)) if with_opk else None
        )
        res = x3dh.initiate(alice, bundle, ek)
        back = x3dh.respond(
            bob, spk, opk if with_opk else None, alice.public(), p.x25519_public(ek)
        )
        assert back.secret == res.secret and back.ad == res.ad
        cases.append(
            {
                "bundle": bundle.to_json(),
                "dh": [b64e(d) for d in res.dhs],
                "secret": b64e(res.secret),
                "ad": b64e(res.ad),
            }
        )
    tampered = signed.to_json() | {
        "sig": b64e(bytes([signed.signature[0] ^ 1]) + signed.signature[1:])
    }
    return {
        "alice": {
            "ik_dh": _priv(alice.dh),
            "ik_sig": _priv(alice.sig),
            "public": alice.public().to_json(),
        },
        "bob": {
            "ik_dh": _priv(bob.dh),
            "ik_sig": _priv(bob.sig),
            "public": bob.public().to_json(),
            "spk": _priv(spk),
            "opk": _priv(opk),
        },
        "ephemeral": _priv(ek),
        "spk_signed_bytes": b64e(signed_bytes(bob, spk)),
        "spk_signature": b64e(signed.signature),
        "cases": cases,
        "bad_bundles": [
            {"identity": bob.public().to_json(), "spk": tampered, "opk": None},
            {"identity": alice.public().to_json(), "spk": signed.to_json(), "opk": None},
        ],
    }


def signed_bytes(owner: IdentityKeys, spk: X25519PrivateKey) -> bytes:
    from client.e2ee.keys import spk_signed_bytes

    return spk_signed_bytes(owner.public().dh, p.x25519_public(spk))


def _party(label: str, opk_count: int) -> tuple[SecureSessions, RecordingSource, dict[str, Any]]:
    src = RecordingSource(label.encode())
    sessions = SecureSessions.create(src)
    upload = sessions.upload_payload(opk_count)
    keys = {
        "ik_dh": _priv(sessions.identity.dh),
        "ik_sig": _priv(sessions.identity.sig),
        "spk_id": sessions.spk_id,
        "spk": _priv(sessions.spks[sessions.spk_id]),
        "opks": [{"id": k, "priv": _priv(v)} for k, v in sessions.opks.items()],
        "next_opk_id": sessions.next_opk_id,
        "upload": upload,
    }
    src.x25519_drawn.clear()
    src.random_drawn.clear()
    return sessions, src, keys


def _opt(data: bytes | None) -> str | None:
    return None if data is None else b64e(data)


def _snapshot(s: SecureSessions, peer: str) -> dict[str, Any]:
    ps = s.peers[peer]
    assert ps.active is not None
    st = ps.by_sid[ps.active].ratchet
    return {
        "sid": b64e(ps.active),
        "rk": b64e(st.rk),
        "dhs": b64e(p.x25519_public(st.dhs)),
        "dhr": _opt(st.dhr),
        "cks": _opt(st.cks),
        "ckr": _opt(st.ckr),
        "ns": st.ns,
        "nr": st.nr,
        "pn": st.pn,
        "skipped": len(st.skipped),
    }


# (action, who, detail): send text, or receive the nth envelope sent so far.
SCRIPT: list[tuple[str, str, Any]] = [
    ("send", "alice", "Hi, can we talk privately?"),
    ("send", "alice", "It's about last night's shift."),
    ("send", "alice", "No rush."),
    ("recv", "bob", 2),
    ("recv", "bob", 0),
    ("send", "bob", "Of course. I'm here."),
    ("recv", "alice", 3),
    ("recv", "bob", 1),
    ("send", "alice", "Thank you 💙"),
    ("send", "bob", "Take your time."),
    ("recv", "bob", 4),
    ("recv", "alice", 5),
    ("send", "alice", "ok"),
    ("recv", "bob", 6),
]


def conversation_vectors() -> dict[str, Any]:
    alice, a_src, a_keys = _party("conversation-alice", 2)
    bob, b_src, b_keys = _party("conversation-bob", 3)
    names = {"alice": alice, "bob": bob}
    peer_of = {"alice": "bob", "bob": "alice"}
    bundle = {
        "identity": b_keys["upload"]["identity"],
        "spk": b_keys["upload"]["spk"],
        "opk": b_keys["upload"]["opks"][1],
    }
    alice.start("bob", bundle)
    start_state = _snapshot(alice, "bob")
    sent: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for action, who, detail in SCRIPT:
        me = names[who]
        peer = peer_of[who]
        if action == "send":
            ps = me.peers[peer]
            assert ps.active is not None
            ck_before = ps.by_sid[ps.active].ratchet.cks
            assert ck_before is not None
            out = me.encrypt(peer, detail)
            _, mk = ratchet.kdf_ck(ck_before)
            key, nonce = ratchet.message_keys(mk)
            wire = out.envelope.to_json()
            sent.append(wire)
            assert out.envelope.header is not None
            steps.append(
                {
                    "action": "send",
                    "who": who,
                    "text": detail,
                    "envelope": wire,
                    "franking_key": b64e(out.franking_key),
                    "commitment": b64e(out.commitment),
                    "mk": b64e(mk),
                    "key": b64e(key),
                    "nonce": b64e(nonce),
                    "aead_ad": b64e(
                        ratchet.aead_ad(
                            ps.by_sid[ps.active].ratchet.ad,
                            ps.active,
                            out.envelope.header,
                            out.commitment,
                        )
                    ),
                    "state": _snapshot(me, peer),
                }
            )
        else:
            got = me.decrypt(peer, env.parse(sent[detail]))
            steps.append(
                {
                    "action": "recv",
                    "who": who,
                    "index": detail,
                    "text": got.text,
                    "franking_key": b64e(got.franking_key),
                    "state": _snapshot(me, peer),
                }
            )
    rejects = _rejections(sent)
    return {
        "alice": a_keys | {"x25519": a_src.x25519_drawn, "random": a_src.random_drawn},
        "bob": b_keys | {"x25519": b_src.x25519_drawn, "random": b_src.random_drawn},
        "bundle_for_alice": bundle,
        "initial_state": start_state,
        "steps": steps,
        "rejects": rejects,
        "safety_number": alice.safety_number("bob"),
    }


def _flip(text: str) -> str:
    from client.e2ee.encoding import b64d

    raw = bytearray(b64d(text))
    raw[len(raw) // 2] ^= 0x01
    return b64e(bytes(raw))


def _rejections(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Envelopes Bob must refuse after the script ends (his state as at the end)."""
    last = sent[6]
    return [
        {"why": "replay of a delivered message", "envelope": sent[0]},
        {"why": "replay of the latest message", "envelope": last},
        {"why": "ciphertext bit flipped", "envelope": sent[6] | {"ct": _flip(last["ct"])}},
        {"why": "header altered", "envelope": last | {"header": _flip(last["header"])}},
        {"why": "commitment altered", "envelope": last | {"commitment": _flip(last["commitment"])}},
    ]


def franking_vectors() -> dict[str, Any]:
    src = _seeded("franking")
    cases: list[dict[str, Any]] = []
    for text in ("", "you're useless, quit", "línea 2\nline two"):
        fk = src.random(32)
        commitment = franking.commit(fk, text.encode())
        ts = 1_790_000_000_000 + len(cases)
        tag = server_franking.tag(SERVER_SECRET, commitment, "u_sender", "u_recipient", ts)
        cases.append(
            {
                "franking_key": b64e(fk),
                "plaintext": text,
                "commitment": b64e(commitment),
                "sender_id": "u_sender",
                "recipient_id": "u_recipient",
                "ts_ms": ts,
                "tag": b64e(tag),
            }
        )
    return {"server_secret": b64e(SERVER_SECRET), "cases": cases}


def safety_vectors() -> dict[str, Any]:
    src = _seeded("safety")
    cases = []
    for _ in range(2):
        a, b = _identity(src).public(), _identity(src).public()
        cases.append(
            {
                "a": a.to_json(),
                "b": b.to_json(),
                "fingerprint_a": safety.fingerprint(a),
                "fingerprint_b": safety.fingerprint(b),
                "safety_number": safety.safety_number(a, b),
            }
        )
    return {"iterations": safety.ITERATIONS, "cases": cases}


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _set_padding_bit(text: str) -> str:
    """Flip the last character's lowest bit: for 32 bytes it is padding, so decoders
    that ignore it would accept a second spelling of the same key."""
    return text[:-1] + B64URL[B64URL.index(text[-1]) ^ 1]


def envelope_vectors() -> dict[str, Any]:
    """Envelopes every parser must accept as they are, and malformed ones it must refuse."""
    good = conversation_vectors()["steps"][0]["envelope"]
    reset = {"v": 1, "type": "reset", "sid": good["sid"]}
    bad = {
        "padded base64": good | {"sid": good["sid"] + "="},
        "standard base64 alphabet": good
        | {"commitment": good["commitment"].replace("-", "+").replace("_", "/") + "+/"},
        "non-canonical trailing bits": good | {"sid": _set_padding_bit(good["sid"])},
        "short sid": good | {"sid": good["sid"][:-4]},
        "long header": good | {"header": good["header"] + "AAAA"},
        "short commitment": good | {"commitment": good["commitment"][:20]},
        "ciphertext shorter than key and tag": good | {"ct": good["ct"][:40]},
        "unknown version": good | {"v": 2},
        "unknown type": good | {"type": "text"},
        "missing ct": {k: v for k, v in good.items() if k != "ct"},
        "negative prekey id": good | {"x3dh": good["x3dh"] | {"spk_id": -1}},
        "fractional prekey id": good | {"x3dh": good["x3dh"] | {"opk_id": 1.5}},
        "identity key too short": good
        | {"x3dh": good["x3dh"] | {"ik": {"dh": good["sid"][:10], "sig": good["sid"]}}},
        "not an object": [good],
    }
    return {"valid": [good, reset], "invalid": [{"why": k, "envelope": v} for k, v in bad.items()]}


def build_all() -> dict[str, dict[str, Any]]:
    return {
        "envelope": envelope_vectors(),
        "kdf": kdf_vectors(),
        "x3dh": x3dh_vectors(),
        "conversation": conversation_vectors(),
        "franking": franking_vectors(),
        "safety": safety_vectors(),
    }


def main() -> None:
    for name, data in build_all().items():
        (HERE / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
