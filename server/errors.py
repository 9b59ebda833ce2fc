"""Huddle's errors: one small hierarchy, and one function that turns it into an ack.

Every error a client can see carries a stable ``code`` (documented in
docs/protocol.md) and a human-readable message that never quotes user text.
"""

from __future__ import annotations

from typing import Any


class HuddleError(Exception):
    """Base class for errors that are reported to a client."""

    code = "internal"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HuddleError):
    code = "invalid_payload"
    status = 400


class TooLarge(ValidationError):
    code = "too_large"
    status = 413


class Unauthorized(HuddleError):
    code = "unauthorized"
    status = 401


class Forbidden(HuddleError):
    code = "forbidden"
    status = 403


class NotFound(HuddleError):
    code = "not_found"
    status = 404


class Conflict(HuddleError):
    code = "conflict"
    status = 409


class RateLimited(HuddleError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AlreadyClaimed(Conflict):
    """Another lead claimed the escalation first."""

    code = "already_claimed"


class InvalidState(Conflict):
    """The record is not in a state that allows this change (resolving an unclaimed one)."""

    code = "invalid_state"


class Refused(HuddleError):
    """A moderation rule refuses this send: subclasses carry the exact code."""

    status = 403

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Banned(Refused):
    code = "banned"


class TimedOut(Refused):
    code = "timed_out"


class RoomLocked(Refused):
    code = "room_locked"


class SlowMode(Refused):
    code = "slow_mode"
    status = 429


class StorageUnavailable(HuddleError):
    code = "unavailable"
    status = 503


class ConfigError(Exception):
    """Bad settings: raised at start-up, never sent to a client."""


def error_body(exc: HuddleError) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, RateLimited):
        error["retry_after_s"] = round(exc.retry_after_s, 3)
    if isinstance(exc, Refused) and exc.retry_after_s is not None:
        error["retry_after_s"] = round(exc.retry_after_s, 3)
    return {"ok": False, "error": error}


INTERNAL_ERROR: dict[str, Any] = {
    "ok": False,
    "error": {"code": "internal", "message": "The server could not complete this request."},
}
