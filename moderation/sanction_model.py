"""Bans and timeouts, the sanctions that refuse a user's sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SanctionKind(StrEnum):
    BAN = "ban"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class Sanction:
    kind: SanctionKind
    user_id: str
    room: str | None  # None: every room (a site-wide ban)
    by: str
    reason: str
    created_at: datetime
    until: datetime | None = None  # None: until lifted
