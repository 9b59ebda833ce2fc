"""The Double Ratchet (Signal's specification) with HKDF-SHA256, HMAC-SHA256 and AES-256-GCM.

Decryption is transactional: it works on a copy of the state and the caller keeps the
copy only when authentication succeeds, so a forged or replayed message changes nothing.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import primitives as p
from client.e2ee.encoding import u32
from client.e2ee.errors import BadEnvelope, DecryptError, ReplayError, TooManySkipped
from client.e2ee.keys import KeySource

RATCHET_INFO = b"Huddle Ratchet v1"
MESSAGE_INFO = b"Huddle MessageKeys v1"
MAX_SKIP = 1000
"""The most message keys one header may make us derive and keep."""
MAX_STORED_SKIPPED = 2000
"""The most skipped keys a session keeps; the oldest go first."""
HEADER_LEN = 40


@dataclass(frozen=True)
class Header:
    dh: bytes
    pn: int
    n: int

    def encode(self) -> bytes:
        return self.dh + u32(self.pn) + u32(self.n)

    @classmethod
    def decode(cls, data: bytes) -> Header:
        if len(data) != HEADER_LEN:
            raise BadEnvelope("header must be 40 bytes")
        return cls(data[:32], int.from_bytes(data[32:36], "big"), int.from_bytes(data[36:], "big"))


def kdf_rk(rk: bytes, dh_out: bytes) -> tuple[bytes, bytes]:
    out = p.hkdf(dh_out, rk, RATCHET_INFO, 64)
    return out[:32], out[32:]


def kdf_ck(ck: bytes) -> tuple[bytes, bytes]:
    """(next chain key, message key)."""
    return p.hmac_sha256(ck, b"\x02"), p.hmac_sha256(ck, b"\x01")


def message_keys(mk: bytes) -> tuple[bytes, bytes]:
    """(AES-256 key, 96-bit nonce). Each message key is used once, so the nonce never repeats."""
    out = p.hkdf(mk, p.ZERO_SALT, MESSAGE_INFO, 44)
    return out[:32], out[32:]


def aead_ad(session_ad: bytes, sid: bytes, header: Header, commitment: bytes) -> bytes:
    """Both identities, the session id, the header and the franking commitment."""
    return session_ad + sid + header.encode() + commitment


@dataclass
class RatchetState:
    rk: bytes
    dhs: X25519PrivateKey
    dhr: bytes | None
    cks: bytes | None
    ckr: bytes | None
    ad: bytes
    ns: int = 0
    nr: int = 0
    pn: int = 0
    skipped: OrderedDict[tuple[bytes, int], bytes] = field(default_factory=OrderedDict)

    @classmethod
    def initiator(
        cls, secret: bytes, ad: bytes, peer_spk: bytes, source: KeySource
    ) -> RatchetState:
        dhs = source.x25519()
        rk, cks = kdf_rk(secret, p.dh(dhs, peer_spk))
        return cls(rk=rk, dhs=dhs, dhr=peer_spk, cks=cks, ckr=None, ad=ad)

    @classmethod
    def responder(cls, secret: bytes, ad: bytes, spk: X25519PrivateKey) -> RatchetState:
        return cls(rk=secret, dhs=spk, dhr=None, cks=None, ckr=None, ad=ad)

    def clone(self) -> RatchetState:
        twin = copy.copy(self)
        twin.skipped = OrderedDict(self.skipped)
        return twin


def encrypt(
    state: RatchetState, sid: bytes, plaintext: bytes, commitment: bytes
) -> tuple[Header, bytes]:
    """Encrypt in place; the used message key is never stored."""
    if state.cks is None:
        raise DecryptError("this session cannot send until it has received a message")
    state.cks, mk = kdf_ck(state.cks)
    header = Header(p.x25519_public(state.dhs), state.pn, state.ns)
    state.ns += 1
    key, nonce = message_keys(mk)
    return header, p.aead_encrypt(key, nonce, plaintext, aead_ad(state.ad, sid, header, commitment))


def decrypt(
    state: RatchetState,
    sid: bytes,
    header: Header,
    ciphertext: bytes,
    commitment: bytes,
    source: KeySource,
) -> tuple[RatchetState, bytes]:
    """Return (new state, plaintext). ``state`` itself is never modified."""
    work = state.clone()
    ad = aead_ad(work.ad, sid, header, commitment)
    mk = work.skipped.pop((header.dh, header.n), None)
    if mk is not None:
        return work, _open(mk, ciphertext, ad)
    if header.dh == work.dhr and header.n < work.nr:
        raise ReplayError("that message was already received")
    if header.dh != work.dhr:
        _skip(work, header.pn)
        _dh_ratchet(work, header, source)
    _skip(work, header.n)
    assert work.ckr is not None
    work.ckr, mk = kdf_ck(work.ckr)
    work.nr += 1
    return work, _open(mk, ciphertext, ad)


def _open(mk: bytes, ciphertext: bytes, ad: bytes) -> bytes:
    key, nonce = message_keys(mk)
    return p.aead_decrypt(key, nonce, ciphertext, ad)


def _skip(state: RatchetState, until: int) -> None:
    if state.ckr is None or state.dhr is None:
        return
    if until - state.nr > MAX_SKIP:
        raise TooManySkipped("too many skipped messages")
    while state.nr < until:
        state.ckr, mk = kdf_ck(state.ckr)
        state.skipped[(state.dhr, state.nr)] = mk
        state.nr += 1
    while len(state.skipped) > MAX_STORED_SKIPPED:
        state.skipped.popitem(last=False)


def _dh_ratchet(state: RatchetState, header: Header, source: KeySource) -> None:
    state.pn = state.ns
    state.ns = 0
    state.nr = 0
    state.dhr = header.dh
    state.rk, state.ckr = kdf_rk(state.rk, p.dh(state.dhs, state.dhr))
    state.dhs = source.x25519()
    state.rk, state.cks = kdf_rk(state.rk, p.dh(state.dhs, state.dhr))
