"""Message franking, client side: commit to each message's plaintext under a fresh key.

HMAC-SHA256 with a fixed 32-byte key commits to both the key and the message, which
AES-GCM alone does not (the "invisible salamanders" attack). The commitment also goes
into the AEAD's associated data, and a receiver drops any message whose opening fails.
"""

from __future__ import annotations

from client.e2ee import primitives as p
from client.e2ee.errors import BadEnvelope, DecryptError

FRANKING_KEY_LEN = 32


def commit(franking_key: bytes, plaintext: bytes) -> bytes:
    if len(franking_key) != FRANKING_KEY_LEN:
        raise ValueError("franking keys are 32 bytes")
    return p.hmac_sha256(franking_key, plaintext)


def opens(franking_key: bytes, plaintext: bytes, commitment: bytes) -> bool:
    if len(franking_key) != FRANKING_KEY_LEN:
        return False
    return p.equal(commit(franking_key, plaintext), commitment)


def seal_payload(franking_key: bytes, text: str) -> bytes:
    """The AEAD plaintext: franking key (32 bytes) then the message's UTF-8 text."""
    return franking_key + text.encode("utf-8")


def open_payload(payload: bytes, commitment: bytes) -> tuple[bytes, str]:
    """Split a decrypted payload and check it against the commitment; raise if it does not open."""
    franking_key, body = payload[:FRANKING_KEY_LEN], payload[FRANKING_KEY_LEN:]
    if not opens(franking_key, body, commitment):
        raise DecryptError("message does not match its franking commitment")
    try:
        return franking_key, body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadEnvelope("message text is not UTF-8") from exc
