"""Long-term and prekey material: identity (X25519 + Ed25519), signed prekey, one-time prekeys."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import primitives as p
from client.e2ee.encoding import b64d, b64e, u32
from client.e2ee.errors import BadEnvelope, BadSignature

SPK_CONTEXT = b"Huddle signed prekey v1"


class KeySource(Protocol):
    """Where fresh keys and random bytes come from: the OS, or fixed values in test vectors."""

    def x25519(self) -> X25519PrivateKey: ...

    def ed25519(self) -> Ed25519PrivateKey: ...

    def random(self, n: int) -> bytes: ...


class SystemKeySource:
    def x25519(self) -> X25519PrivateKey:
        return X25519PrivateKey.generate()

    def ed25519(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.generate()

    def random(self, n: int) -> bytes:
        return os.urandom(n)


class SeededKeySource:
    """Deterministic keys for test vectors only: every value is SHA-256(seed, label, counter)."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0

    def _next(self, label: bytes) -> bytes:
        self._counter += 1
        return hashlib.sha256(self._seed + label + u32(self._counter)).digest()

    def x25519(self) -> X25519PrivateKey:
        return X25519PrivateKey.from_private_bytes(self._next(b"x25519"))

    def ed25519(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self._next(b"ed25519"))

    def random(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += self._next(b"random")
        return out[:n]


@dataclass(frozen=True)
class PublicIdentity:
    """A user's public identity: the X25519 key for X3DH and the Ed25519 key that signs prekeys."""

    dh: bytes
    sig: bytes

    def encode(self) -> bytes:
        return self.dh + self.sig

    def to_json(self) -> dict[str, str]:
        return {"dh": b64e(self.dh), "sig": b64e(self.sig)}

    @classmethod
    def from_json(cls, data: object) -> PublicIdentity:
        if not isinstance(data, dict):
            raise BadEnvelope("identity must be an object")
        return cls(
            b64d(data.get("dh"), 32, "identity.dh"), b64d(data.get("sig"), 32, "identity.sig")
        )


@dataclass
class IdentityKeys:
    dh: X25519PrivateKey
    sig: Ed25519PrivateKey

    @classmethod
    def generate(cls, source: KeySource) -> IdentityKeys:
        return cls(source.x25519(), source.ed25519())

    def public(self) -> PublicIdentity:
        return PublicIdentity(p.x25519_public(self.dh), p.ed25519_public(self.sig))


def spk_signed_bytes(identity_dh: bytes, spk_public: bytes) -> bytes:
    """What the Ed25519 key signs: it binds the signed prekey and the X25519 identity to it."""
    return SPK_CONTEXT + identity_dh + spk_public


@dataclass(frozen=True)
class SignedPrekey:
    id: int
    public: bytes
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "pub": b64e(self.public), "sig": b64e(self.signature)}


@dataclass(frozen=True)
class OneTimePrekey:
    id: int
    public: bytes

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "pub": b64e(self.public)}


def sign_prekey(identity: IdentityKeys, spk_id: int, spk: X25519PrivateKey) -> SignedPrekey:
    public = p.x25519_public(spk)
    signature = identity.sig.sign(spk_signed_bytes(identity.public().dh, public))
    return SignedPrekey(spk_id, public, signature)


@dataclass(frozen=True)
class PrekeyBundle:
    """What ``keys:bundle`` returns: enough for a peer to start a session with us offline."""

    identity: PublicIdentity
    spk: SignedPrekey
    opk: OneTimePrekey | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "identity": self.identity.to_json(),
            "spk": self.spk.to_json(),
            "opk": self.opk.to_json() if self.opk else None,
        }

    @classmethod
    def from_json(cls, data: object) -> PrekeyBundle:
        """Parse and verify: a bundle whose prekey signature fails raises BadSignature."""
        if not isinstance(data, dict):
            raise BadEnvelope("bundle must be an object")
        identity = PublicIdentity.from_json(data.get("identity"))
        spk_data = data.get("spk")
        if not isinstance(spk_data, dict):
            raise BadEnvelope("bundle.spk must be an object")
        spk = SignedPrekey(
            _key_id(spk_data.get("id")),
            b64d(spk_data.get("pub"), 32, "spk.pub"),
            b64d(spk_data.get("sig"), 64, "spk.sig"),
        )
        opk_data = data.get("opk")
        opk = None
        if opk_data is not None:
            if not isinstance(opk_data, dict):
                raise BadEnvelope("bundle.opk must be an object")
            opk = OneTimePrekey(
                _key_id(opk_data.get("id")), b64d(opk_data.get("pub"), 32, "opk.pub")
            )
        bundle = cls(identity, spk, opk)
        bundle.verify()
        return bundle

    def verify(self) -> None:
        signed = spk_signed_bytes(self.identity.dh, self.spk.public)
        if not p.ed25519_verify(self.identity.sig, self.spk.signature, signed):
            raise BadSignature("the signed prekey's signature does not verify")


def _key_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise BadEnvelope("key ids must be integers from 0 to 2^31-1")
    return value
