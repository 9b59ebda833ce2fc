"""The errors the E2EE layer raises. None of them ever quotes plaintext."""

from __future__ import annotations


class E2EEError(Exception):
    """Base class: something about a key, bundle, envelope or session is wrong."""


class BadEnvelope(E2EEError):
    """An envelope that is not well formed (field missing, wrong length, bad base64)."""


class BadSignature(E2EEError):
    """A prekey bundle whose signed prekey does not verify under the identity's Ed25519 key."""


class DecryptError(E2EEError):
    """Authentication failed: tampered, forged, or for a session we do not have."""


class ReplayError(DecryptError):
    """A message whose key was already used and deleted (a replay or a duplicate)."""


class TooManySkipped(DecryptError):
    """A header asks us to skip more message keys than the bound allows."""


class NoSession(E2EEError):
    """No session exists for that peer (or that session id)."""
