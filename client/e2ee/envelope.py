"""The envelope: the only thing about a message that leaves the client, as JSON.

Schema (all binary fields unpadded base64url)::

    {"v": 1, "type": "msg", "sid": <32 bytes>, "header": <40 bytes>,
     "commitment": <32 bytes>, "ct": <48..65584 bytes>,
     "x3dh": {"ik": {"dh": <32>, "sig": <32>}, "spk_id": int, "opk_id": int|null}}  # optional
    {"v": 1, "type": "reset", "sid": <32 bytes>}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from client.e2ee.encoding import b64d, b64e
from client.e2ee.errors import BadEnvelope
from client.e2ee.keys import PublicIdentity
from client.e2ee.ratchet import HEADER_LEN, Header

VERSION = 1
MIN_CT = 32 + 16
MAX_CT = 65536 + 32 + 16
MAX_KEY_ID = 2**31 - 1


@dataclass(frozen=True)
class InitInfo:
    """X3DH fields the initiator repeats until its peer answers; ``sid`` is its ephemeral key."""

    identity: PublicIdentity
    spk_id: int
    opk_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {"ik": self.identity.to_json(), "spk_id": self.spk_id, "opk_id": self.opk_id}


@dataclass(frozen=True)
class Envelope:
    type: str
    sid: bytes
    header: Header | None = None
    commitment: bytes = b""
    ct: bytes = b""
    init: InitInfo | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"v": VERSION, "type": self.type, "sid": b64e(self.sid)}
        if self.type == "msg":
            assert self.header is not None
            out["header"] = b64e(self.header.encode())
            out["commitment"] = b64e(self.commitment)
            out["ct"] = b64e(self.ct)
            if self.init is not None:
                out["x3dh"] = self.init.to_json()
        return out


def parse(data: object) -> Envelope:
    """Validate every field; raise BadEnvelope with a message that never echoes content."""
    if not isinstance(data, dict):
        raise BadEnvelope("envelope must be an object")
    if data.get("v") != VERSION:
        raise BadEnvelope("unsupported envelope version")
    kind = data.get("type")
    sid = b64d(data.get("sid"), 32, "sid")
    if kind == "reset":
        return Envelope("reset", sid)
    if kind != "msg":
        raise BadEnvelope("envelope type must be msg or reset")
    ct = b64d(data.get("ct"), None, "ct")
    if not MIN_CT <= len(ct) <= MAX_CT:
        raise BadEnvelope("ct has an impossible length")
    init = _init(data["x3dh"]) if data.get("x3dh") is not None else None
    return Envelope(
        type="msg",
        sid=sid,
        header=Header.decode(b64d(data.get("header"), HEADER_LEN, "header")),
        commitment=b64d(data.get("commitment"), 32, "commitment"),
        ct=ct,
        init=init,
    )


def _init(data: object) -> InitInfo:
    if not isinstance(data, dict):
        raise BadEnvelope("x3dh must be an object")
    opk = data.get("opk_id")
    return InitInfo(
        PublicIdentity.from_json(data.get("ik")),
        _key_id(data.get("spk_id")),
        None if opk is None else _key_id(opk),
    )


def _key_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KEY_ID:
        raise BadEnvelope("key ids must be integers from 0 to 2^31-1")
    return value
