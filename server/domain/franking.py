"""Message franking, server side: the one MAC the server computes over E2EE traffic.

When relaying a DM the server binds the sender's commitment to who sent it, to whom and
when: ``tag = HMAC-SHA256(secret, commitment || lp(sender_id) || lp(recipient_id) || u64(ts_ms))``
where ``lp`` is a u16 big-endian length prefix. A report reveals the plaintext and the
per-message franking key; the server checks that they open the commitment and that the
commitment carries its tag. Pure functions, no I/O. Spec: docs/e2ee.md, "Franking".
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import constant_time, hashes, hmac

from server.errors import Forbidden, ValidationError

KEY_LEN = 32
COMMITMENT_LEN = 32
TAG_LEN = 32
MAX_TS_MS = 2**63 - 1


def _hmac(key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(data)
    return mac.finalize()


def _lp(text: str) -> bytes:
    raw = text.encode("utf-8")
    return len(raw).to_bytes(2, "big") + raw


def commitment(franking_key: bytes, plaintext: bytes) -> bytes:
    """HMAC-SHA256(franking_key, plaintext): commits to both, unlike AES-GCM."""
    return _hmac(franking_key, plaintext)


def tag(secret: bytes, commitment: bytes, sender_id: str, recipient_id: str, ts_ms: int) -> bytes:
    if len(commitment) != COMMITMENT_LEN:
        raise ValidationError("commitment must be 32 bytes")
    if not 0 <= ts_ms <= MAX_TS_MS:
        raise ValidationError("timestamp out of range")
    data = commitment + _lp(sender_id) + _lp(recipient_id) + ts_ms.to_bytes(8, "big")
    return _hmac(secret, data)


@dataclass(frozen=True)
class FrankedReport:
    """What a recipient reveals to report one message."""

    plaintext: bytes
    franking_key: bytes
    commitment: bytes
    tag: bytes
    sender_id: str
    recipient_id: str
    ts_ms: int


def verify_report(secret: bytes, report: FrankedReport) -> str:
    """Return the verified text, or raise: ValidationError if malformed, Forbidden if forged."""
    if len(report.franking_key) != KEY_LEN or len(report.tag) != TAG_LEN:
        raise ValidationError("franking_key and tag must be 32 bytes")
    expected_tag = tag(
        secret, report.commitment, report.sender_id, report.recipient_id, report.ts_ms
    )
    if not constant_time.bytes_eq(expected_tag, report.tag):
        raise Forbidden("that message was not relayed to you by this server")
    if not constant_time.bytes_eq(
        commitment(report.franking_key, report.plaintext), report.commitment
    ):
        raise Forbidden("the reported text does not match the message's commitment")
    try:
        return report.plaintext.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("reported text must be UTF-8") from exc
