"""Persisting SecureSessions as JSON in the client's state_dir: atomic writes, mode 0600.

Private keys and ratchet secrets are written raw (base64url); the file's permissions and
the state_dir are what protect them, as with any messenger's local database.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee import primitives as p
from client.e2ee.encoding import b64d, b64e
from client.e2ee.envelope import InitInfo
from client.e2ee.keys import IdentityKeys, KeySource, PublicIdentity
from client.e2ee.ratchet import RatchetState
from client.e2ee.sessions import PeerSessions, SecureSessions, Session

FORMAT = 1


def write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON so that a crash leaves either the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) else None


def _x(key: X25519PrivateKey) -> str:
    return b64e(p.private_raw(key))


def _lx(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(b64d(text, 32))


def _opt(data: bytes | None) -> str | None:
    return None if data is None else b64e(data)


def _lopt(text: str | None) -> bytes | None:
    return None if text is None else b64d(text)


def dump_ratchet(state: RatchetState) -> dict[str, Any]:
    return {
        "rk": b64e(state.rk),
        "dhs": _x(state.dhs),
        "dhr": _opt(state.dhr),
        "cks": _opt(state.cks),
        "ckr": _opt(state.ckr),
        "ad": b64e(state.ad),
        "ns": state.ns,
        "nr": state.nr,
        "pn": state.pn,
        "skipped": [[b64e(dh), n, b64e(mk)] for (dh, n), mk in state.skipped.items()],
    }


def load_ratchet(data: dict[str, Any]) -> RatchetState:
    return RatchetState(
        rk=b64d(data["rk"]),
        dhs=_lx(data["dhs"]),
        dhr=_lopt(data["dhr"]),
        cks=_lopt(data["cks"]),
        ckr=_lopt(data["ckr"]),
        ad=b64d(data["ad"]),
        ns=data["ns"],
        nr=data["nr"],
        pn=data["pn"],
        skipped=OrderedDict(((b64d(dh), n), b64d(mk)) for dh, n, mk in data["skipped"]),
    )


def _dump_session(session: Session) -> dict[str, Any]:
    return {
        "ratchet": dump_ratchet(session.ratchet),
        "peer": session.peer.to_json(),
        "init": session.init.to_json() if session.init else None,
    }


def _load_session(data: dict[str, Any]) -> Session:
    init = data["init"]
    return Session(
        load_ratchet(data["ratchet"]),
        PublicIdentity.from_json(data["peer"]),
        None
        if init is None
        else InitInfo(PublicIdentity.from_json(init["ik"]), init["spk_id"], init["opk_id"]),
    )


def dump(sessions: SecureSessions) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "identity": {
            "dh": _x(sessions.identity.dh),
            "sig": b64e(p.private_raw(sessions.identity.sig)),
        },
        "spk_id": sessions.spk_id,
        "spks": {str(k): _x(v) for k, v in sessions.spks.items()},
        "opks": {str(k): _x(v) for k, v in sessions.opks.items()},
        "next_opk_id": sessions.next_opk_id,
        "spk_created_at": sessions.spk_created_at,
        "peers": {
            peer: {
                "active": _opt(ps.active),
                "sessions": [[b64e(sid), _dump_session(s)] for sid, s in ps.by_sid.items()],
            }
            for peer, ps in sessions.peers.items()
        },
        "pins": {peer: ident.to_json() for peer, ident in sessions.pins.items()},
    }


def load(data: dict[str, Any], source: KeySource | None = None) -> SecureSessions:
    identity = IdentityKeys(
        _lx(data["identity"]["dh"]),
        Ed25519PrivateKey.from_private_bytes(b64d(data["identity"]["sig"], 32)),
    )
    loaded = SecureSessions(
        identity=identity,
        spk_id=data["spk_id"],
        spks={int(k): _lx(v) for k, v in data["spks"].items()},
        opks={int(k): _lx(v) for k, v in data["opks"].items()},
        next_opk_id=data["next_opk_id"],
        spk_created_at=float(data.get("spk_created_at", 0.0)),
        pins={peer: PublicIdentity.from_json(v) for peer, v in data["pins"].items()},
    )
    if source is not None:
        loaded.source = source
    for peer, ps in data["peers"].items():
        loaded.peers[peer] = PeerSessions(
            by_sid={b64d(sid): _load_session(s) for sid, s in ps["sessions"]},
            active=_lopt(ps["active"]),
        )
    return loaded


def save(path: Path, sessions: SecureSessions) -> None:
    write_private(path, dump(sessions))


def load_or_create(path: Path) -> SecureSessions:
    data = read_json(path)
    if data is None:
        sessions = SecureSessions.create()
        save(path, sessions)
        return sessions
    return load(data)
