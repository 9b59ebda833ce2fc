"""One user's E2EE state: identity, prekeys, and a ratchet session per peer.

No I/O happens here. The client fetches bundles and moves envelopes; this object turns
text into envelopes and back, and reports what a user must be told as ``Notice``s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import franking, ratchet, x3dh
from client.e2ee import primitives as p
from client.e2ee.encoding import b64e
from client.e2ee.envelope import Envelope, InitInfo
from client.e2ee.errors import DecryptError, NoSession
from client.e2ee.keys import (
    IdentityKeys,
    KeySource,
    PrekeyBundle,
    PublicIdentity,
    SystemKeySource,
    sign_prekey,
)
from client.e2ee.safety import safety_number

MAX_SESSIONS_PER_PEER = 4
SPK_MAX_AGE_S = 7 * 24 * 3600
SPK_KEEP = 2
"""Signed prekeys kept (current and previous), so first messages in flight still open."""


@dataclass(frozen=True)
class Notice:
    """Something the user must see: ``identity_changed``, ``session_reset`` or ``undecryptable``."""

    kind: str
    peer: str
    text: str


@dataclass
class Session:
    ratchet: ratchet.RatchetState
    peer: PublicIdentity
    init: InitInfo | None = None
    """Set on the initiator until the first reply arrives: repeated in every envelope."""


@dataclass
class PeerSessions:
    by_sid: dict[bytes, Session] = field(default_factory=dict)
    active: bytes | None = None

    def add(self, sid: bytes, session: Session) -> None:
        self.by_sid[sid] = session
        self.active = sid
        while len(self.by_sid) > MAX_SESSIONS_PER_PEER:
            oldest = next(iter(self.by_sid))
            del self.by_sid[oldest]


@dataclass(frozen=True)
class Outgoing:
    envelope: Envelope
    franking_key: bytes
    commitment: bytes


@dataclass(frozen=True)
class Incoming:
    text: str
    franking_key: bytes
    commitment: bytes
    notices: tuple[Notice, ...] = ()


@dataclass
class SecureSessions:
    identity: IdentityKeys
    spk_id: int
    spks: dict[int, X25519PrivateKey]
    opks: dict[int, X25519PrivateKey] = field(default_factory=dict)
    next_opk_id: int = 1
    peers: dict[str, PeerSessions] = field(default_factory=dict)
    pins: dict[str, PublicIdentity] = field(default_factory=dict)
    spk_created_at: float = 0.0
    source: KeySource = field(default_factory=SystemKeySource, repr=False)

    @classmethod
    def create(cls, source: KeySource | None = None) -> SecureSessions:
        src = source or SystemKeySource()
        identity = IdentityKeys.generate(src)
        return cls(identity, 1, {1: src.x25519()}, spk_created_at=time.time(), source=src)

    # -- keys ---------------------------------------------------------------

    def public_identity(self) -> PublicIdentity:
        return self.identity.public()

    def new_opks(self, count: int) -> list[dict[str, Any]]:
        fresh = []
        for _ in range(count):
            key_id, self.next_opk_id = self.next_opk_id, self.next_opk_id + 1
            self.opks[key_id] = self.source.x25519()
            fresh.append({"id": key_id, "pub": b64e(p.x25519_public(self.opks[key_id]))})
        return fresh

    def rotate_spk_if_due(self, now: float) -> bool:
        """Replace the signed prekey weekly, keeping the previous one for messages in flight."""
        if now - self.spk_created_at < SPK_MAX_AGE_S:
            return False
        self.spk_id += 1
        self.spks[self.spk_id] = self.source.x25519()
        self.spk_created_at = now
        for old in sorted(self.spks)[:-SPK_KEEP]:
            del self.spks[old]
        return True

    def upload_payload(self, opk_count: int) -> dict[str, Any]:
        """The ``keys:upload`` payload: identity, signed prekey and ``opk_count`` new OPKs."""
        spk = sign_prekey(self.identity, self.spk_id, self.spks[self.spk_id])
        return {
            "identity": self.public_identity().to_json(),
            "spk": spk.to_json(),
            "opks": self.new_opks(opk_count),
        }

    def safety_number(self, peer: str) -> str:
        pinned = self.pins.get(peer)
        if pinned is None:
            raise NoSession("no identity known for that peer yet")
        return safety_number(self.public_identity(), pinned)

    # -- sending ------------------------------------------------------------

    def has_session(self, peer: str) -> bool:
        sessions = self.peers.get(peer)
        return sessions is not None and sessions.active is not None

    def start(self, peer: str, bundle_json: object) -> list[Notice]:
        """Run X3DH against a bundle; raise BadSignature if its prekey signature is bad."""
        bundle = PrekeyBundle.from_json(bundle_json)
        notices = self._pin(peer, bundle.identity)
        ephemeral = self.source.x25519()
        result = x3dh.initiate(self.identity, bundle, ephemeral)
        state = ratchet.RatchetState.initiator(
            result.secret, result.ad, bundle.spk.public, self.source
        )
        init = InitInfo(
            self.public_identity(), bundle.spk.id, bundle.opk.id if bundle.opk else None
        )
        sid = p.x25519_public(ephemeral)
        self.peers.setdefault(peer, PeerSessions()).add(sid, Session(state, bundle.identity, init))
        return notices

    def encrypt(self, peer: str, text: str) -> Outgoing:
        sessions = self.peers.get(peer)
        if sessions is None or sessions.active is None:
            raise NoSession("start a session first")
        session = sessions.by_sid[sessions.active]
        franking_key = self.source.random(franking.FRANKING_KEY_LEN)
        body = text.encode("utf-8")
        commitment = franking.commit(franking_key, body)
        header, ct = ratchet.encrypt(
            session.ratchet, sessions.active, franking_key + body, commitment
        )
        envelope = Envelope("msg", sessions.active, header, commitment, ct, session.init)
        return Outgoing(envelope, franking_key, commitment)

    # -- receiving ----------------------------------------------------------

    def decrypt(self, peer: str, envelope: Envelope) -> Incoming:
        """Decrypt, or raise (DecryptError, NoSession) leaving every key and session unchanged."""
        if envelope.type != "msg" or envelope.header is None:
            raise DecryptError("not a message envelope")
        sessions = self.peers.get(peer) or PeerSessions()
        session = sessions.by_sid.get(envelope.sid)
        notices: list[Notice] = []
        used_opk: int | None = None
        if session is None:
            if envelope.init is None:
                raise NoSession("no session for that envelope")
            session, used_opk = self._respond(envelope)
        state, payload = ratchet.decrypt(
            session.ratchet,
            envelope.sid,
            envelope.header,
            envelope.ct,
            envelope.commitment,
            self.source,
        )
        franking_key, text = franking.open_payload(payload, envelope.commitment)
        # Authenticated: only now may any state change.
        if envelope.sid not in sessions.by_sid:
            notices += self._pin(peer, session.peer)
            sessions.add(envelope.sid, session)
            self.peers[peer] = sessions
            if used_opk is not None:
                del self.opks[used_opk]
        session.ratchet = state
        session.init = None
        return Incoming(text, franking_key, envelope.commitment, tuple(notices))

    def _respond(self, envelope: Envelope) -> tuple[Session, int | None]:
        init = envelope.init
        assert init is not None
        spk = self.spks.get(init.spk_id)
        opk = self.opks.get(init.opk_id) if init.opk_id is not None else None
        if spk is None or (init.opk_id is not None and opk is None):
            raise NoSession("that message used prekeys this device no longer has")
        result = x3dh.respond(self.identity, spk, opk, init.identity, envelope.sid)
        state = ratchet.RatchetState.responder(result.secret, result.ad, spk)
        return Session(state, init.identity), init.opk_id

    def reset_envelope(self, sid: bytes) -> Envelope:
        """What to send back when a message cannot be decrypted: ask the peer to start over."""
        return Envelope("reset", sid)

    def on_reset(self, peer: str, sid: bytes) -> Notice | None:
        sessions = self.peers.get(peer)
        if sessions is None or sid not in sessions.by_sid:
            return None
        del sessions.by_sid[sid]
        if sessions.active == sid:
            sessions.active = None  # the next send fetches a fresh bundle
        return Notice(
            "session_reset",
            peer,
            f"{peer}'s device lost its secure session. A new one will be started; "
            "recent messages may not have arrived. Compare safety numbers again.",
        )

    def _pin(self, peer: str, identity: PublicIdentity) -> list[Notice]:
        old = self.pins.get(peer)
        self.pins[peer] = identity
        if old is None or old == identity:
            return []
        return [
            Notice(
                "identity_changed",
                peer,
                f"{peer}'s safety number has changed (new device or reinstall). "
                "Compare safety numbers before sharing anything sensitive.",
            )
        ]
