"""Byte encodings shared by every wire format: unpadded base64url and fixed-width integers."""

from __future__ import annotations

import base64
import binascii

from client.e2ee.errors import BadEnvelope


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: object, length: int | None = None, what: str = "field") -> bytes:
    """Decode unpadded base64url, insisting on the canonical form and, if given, the length."""
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise BadEnvelope(f"{what} must be unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadEnvelope(f"{what} must be unpadded base64url") from exc
    if b64e(data) != text:
        raise BadEnvelope(f"{what} must be canonical base64url")
    if length is not None and len(data) != length:
        raise BadEnvelope(f"{what} must be {length} bytes")
    return data


def u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def u64(value: int) -> bytes:
    return value.to_bytes(8, "big")


def lp(data: bytes) -> bytes:
    """Length-prefixed (u16 big-endian) bytes, so concatenations stay unambiguous."""
    return len(data).to_bytes(2, "big") + data
