"""The audit log: who did what to whom, when, why, and with what result.

The log is append-only by construction: its port has ``append`` and ``list`` and
nothing else, and no adapter offers an update or delete. Actors and targets appear by
pseudonym (or a system name such as ``admin-token``, ``cli``, ``sla``), never by user id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from server.domain.models import Role, User, iso, utcnow
from server.errors import Forbidden

SYSTEM_ACTORS = ("admin-token", "cli", "classifier", "sla")


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    action: str
    target: str
    result: str = "ok"
    reason: str = ""
    room: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
    id: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "room": self.room,
            "reason": self.reason,
            "result": self.result,
            "details": self.details,
        }


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    room: str | None = None
    before: datetime | None = None
    limit: int = 100


class AuditLog(Protocol):
    """Append-only: there is deliberately no way to change or remove an entry."""

    async def append(self, entry: AuditEntry) -> AuditEntry: ...

    async def list(self, query: AuditQuery) -> list[AuditEntry]:
        """Matching entries, newest first."""


def require_audit_reader(user: User) -> None:
    if user.role < Role.LEAD:
        raise Forbidden("only peer leads and admins can read the audit log")
