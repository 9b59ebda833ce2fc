"""Payloads of the E2EE direct-message events, and their parsers (no I/O, one ValidationError).

The server checks only the shape of what it stores and relays: base64url fields of the
right length, integer key ids, and a size bound on the opaque envelope. It never looks
inside a ciphertext. Spec: docs/e2ee.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from server.domain.pseudonyms import PSEUDONYM_RE
from server.errors import TooLarge, ValidationError
from server.protocol import CLIENT_ID_RE, MAX_TEXT_CHARS, Fields

MAX_OPKS_PER_UPLOAD = 200
MAX_ENVELOPE_BYTES = 96 * 1024
MAX_ACK_IDS = 200
MAX_KEY_ID = 2**31 - 1
MAX_TS_MS = 2**53
ENVELOPE_ID_RE = re.compile(r"^[a-f0-9]{24}$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")


def b64url(value: object, length: int, name: str) -> bytes:
    """Decode canonical unpadded base64url of exactly ``length`` bytes."""
    if not isinstance(value, str) or not B64URL_RE.match(value) or len(value) > 4 * length:
        raise ValidationError(f"'{name}' must be unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(f"'{name}' must be unpadded base64url") from exc
    if len(raw) != length or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != value:
        raise ValidationError(f"'{name}' must be {length} bytes of canonical base64url")
    return raw


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _object(value: object, name: str) -> Fields:
    if not isinstance(value, dict):
        raise ValidationError(f"'{name}' must be an object")
    return Fields(value)


def _key_id(fields: Fields, name: str = "id") -> int:
    value = fields.integer(name, 0, MAX_KEY_ID)
    assert value is not None
    return value


def _pseudonym(fields: Fields, name: str) -> str:
    return fields.matching(name, PSEUDONYM_RE, "a pseudonym")


@dataclass(frozen=True)
class PublicKeys:
    """A user's published identity and signed prekey, as base64url text."""

    identity_dh: str
    identity_sig: str
    spk_id: int
    spk_pub: str
    spk_sig: str

    def to_wire(self) -> dict[str, Any]:
        return {
            "identity": {"dh": self.identity_dh, "sig": self.identity_sig},
            "spk": {"id": self.spk_id, "pub": self.spk_pub, "sig": self.spk_sig},
        }


@dataclass(frozen=True)
class OneTimePrekey:
    id: int
    pub: str


@dataclass(frozen=True)
class KeysUpload:
    keys: PublicKeys
    opks: tuple[OneTimePrekey, ...]


def parse_keys_upload(payload: object) -> KeysUpload:
    fields = Fields(payload)
    identity = _object(fields.value("identity", True), "identity")
    spk = _object(fields.value("spk", True), "spk")
    raw_opks = fields.value("opks", required=False) or []
    if not isinstance(raw_opks, list):
        raise ValidationError("'opks' must be a list")
    if len(raw_opks) > MAX_OPKS_PER_UPLOAD:
        raise TooLarge(f"'opks' may hold at most {MAX_OPKS_PER_UPLOAD} keys")
    keys = PublicKeys(
        identity_dh=_b64_field(identity, "dh", 32),
        identity_sig=_b64_field(identity, "sig", 32),
        spk_id=_key_id(spk),
        spk_pub=_b64_field(spk, "pub", 32),
        spk_sig=_b64_field(spk, "sig", 64),
    )
    opks = []
    for raw in raw_opks:
        opk = _object(raw, "opks[]")
        opks.append(OneTimePrekey(_key_id(opk), _b64_field(opk, "pub", 32)))
    if len({o.id for o in opks}) != len(opks):
        raise ValidationError("'opks' ids must be distinct")
    return KeysUpload(keys, tuple(opks))


def _b64_field(fields: Fields, name: str, length: int) -> str:
    value = fields.value(name, True)
    b64url(value, length, name)
    assert isinstance(value, str)
    return value


@dataclass(frozen=True)
class PeerRef:
    user: str


def parse_peer_ref(payload: object) -> PeerRef:
    return PeerRef(_pseudonym(Fields(payload), "user"))


@dataclass(frozen=True)
class DmSend:
    to: str
    envelope: str
    """The envelope as compact JSON text: stored and relayed, never interpreted."""
    commitment: bytes | None
    client_id: str


def parse_dm_send(payload: object) -> DmSend:
    fields = Fields(payload)
    to = _pseudonym(fields, "to")
    client_id = fields.matching("client_id", CLIENT_ID_RE, "1-64 letters, digits or _.:-")
    envelope = fields.value("envelope", True)
    if not isinstance(envelope, dict):
        raise ValidationError("'envelope' must be an object")
    try:
        text = json.dumps(envelope, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError("'envelope' must be plain JSON") from exc
    if len(text) > MAX_ENVELOPE_BYTES:
        raise TooLarge(f"'envelope' is larger than {MAX_ENVELOPE_BYTES} bytes")
    inner = Fields(envelope)
    if envelope.get("v") != 1:
        raise ValidationError("'envelope.v' must be 1")
    kind = inner.text("type", max_chars=8)
    b64url(envelope.get("sid"), 32, "envelope.sid")
    if kind == "reset":
        return DmSend(to, text, None, client_id)
    if kind != "msg":
        raise ValidationError("'envelope.type' must be msg or reset")
    commitment = b64url(envelope.get("commitment"), 32, "envelope.commitment")
    return DmSend(to, text, commitment, client_id)


@dataclass(frozen=True)
class DmAck:
    ids: tuple[str, ...]


def parse_dm_ack(payload: object) -> DmAck:
    ids = Fields(payload).value("ids", True)
    if not isinstance(ids, list) or not ids:
        raise ValidationError("'ids' must be a non-empty list")
    if len(ids) > MAX_ACK_IDS:
        raise TooLarge(f"'ids' may hold at most {MAX_ACK_IDS} ids")
    if not all(isinstance(i, str) and ENVELOPE_ID_RE.match(i) for i in ids):
        raise ValidationError("'ids' must be envelope ids")
    return DmAck(tuple(ids))


@dataclass(frozen=True)
class DmReport:
    """A recipient's report: it reveals one message's text and franking key."""

    sender: str
    text: str
    franking_key: bytes
    commitment: bytes
    tag: bytes
    ts_ms: int
    urgent: bool


def parse_dm_report(payload: object) -> DmReport:
    fields = Fields(payload)
    urgent = fields.value("urgent", required=False)
    if urgent is not None and not isinstance(urgent, bool):
        raise ValidationError("'urgent' must be true or false")
    ts_ms = fields.integer("ts_ms", 0, MAX_TS_MS)
    assert ts_ms is not None
    return DmReport(
        sender=_pseudonym(fields, "from"),
        text=fields.text("text", max_chars=MAX_TEXT_CHARS, required=False),
        franking_key=b64url(fields.value("franking_key", True), 32, "franking_key"),
        commitment=b64url(fields.value("commitment", True), 32, "commitment"),
        tag=b64url(fields.value("tag", True), 32, "tag"),
        ts_ms=ts_ms,
        urgent=bool(urgent),
    )


@dataclass(frozen=True)
class DmHelp:
    """The "I need help now" request: only the text the user chose to share."""

    text: str
    about: str | None


def parse_dm_help(payload: object) -> DmHelp:
    fields = Fields(payload)
    about = fields.optional_matching("about", PSEUDONYM_RE, "a pseudonym")
    return DmHelp(text=fields.text("text", required=False), about=about)
