"""X3DH session set-up (Signal's X3DH, with Huddle's info string and associated data)."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import primitives as p
from client.e2ee.keys import IdentityKeys, PrekeyBundle, PublicIdentity

X3DH_INFO = b"Huddle X3DH v1"
X3DH_F = b"\xff" * 32


def associated_data(initiator: PublicIdentity, responder: PublicIdentity) -> bytes:
    """Both identities, initiator first: 128 bytes that every message's AEAD binds."""
    return initiator.encode() + responder.encode()


def derive_secret(dhs: list[bytes]) -> bytes:
    return p.hkdf(X3DH_F + b"".join(dhs), p.ZERO_SALT, X3DH_INFO, 32)


@dataclass(frozen=True)
class X3DHResult:
    secret: bytes
    ad: bytes
    dhs: tuple[bytes, ...]


def initiate(own: IdentityKeys, bundle: PrekeyBundle, ephemeral: X25519PrivateKey) -> X3DHResult:
    """Alice's side. ``bundle`` must already be verified (PrekeyBundle.from_json does that)."""
    bundle.verify()
    dhs = [
        p.dh(own.dh, bundle.spk.public),
        p.dh(ephemeral, bundle.identity.dh),
        p.dh(ephemeral, bundle.spk.public),
    ]
    if bundle.opk is not None:
        dhs.append(p.dh(ephemeral, bundle.opk.public))
    ad = associated_data(own.public(), bundle.identity)
    return X3DHResult(derive_secret(dhs), ad, tuple(dhs))


def respond(
    own: IdentityKeys,
    spk: X25519PrivateKey,
    opk: X25519PrivateKey | None,
    peer: PublicIdentity,
    ephemeral_public: bytes,
) -> X3DHResult:
    """Bob's side, from the initiator's identity and ephemeral key in the first message."""
    dhs = [
        p.dh(spk, peer.dh),
        p.dh(own.dh, ephemeral_public),
        p.dh(spk, ephemeral_public),
    ]
    if opk is not None:
        dhs.append(p.dh(opk, ephemeral_public))
    ad = associated_data(peer, own.public())
    return X3DHResult(derive_secret(dhs), ad, tuple(dhs))
