"""A report: a member's (or the classifier's) request that a supporter look at a message.

Lifecycle: ``open`` ──resolve──▶ ``resolved``. The reporter is told when it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from server.domain.models import iso
from server.errors import ValidationError


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"

    @classmethod
    def parse(cls, value: str) -> ReportState:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError("'state' must be open or resolved") from None


class ReportOutcome(StrEnum):
    ACTIONED = "actioned"
    NO_ACTION = "no_action"

    @classmethod
    def parse(cls, value: str) -> ReportOutcome:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError("'outcome' must be actioned or no_action") from None


class ReportSource(StrEnum):
    MEMBER = "member"
    CLASSIFIER = "classifier"
    DM = "dm"
    """A verified report of an end-to-end encrypted direct message (no room)."""


@dataclass(frozen=True)
class Report:
    id: str
    message_id: str
    room: str
    source: ReportSource
    reason: str
    created_at: datetime
    reporter_id: str | None = None
    reporter_pseudonym: str | None = None
    author_pseudonym: str = ""
    state: ReportState = ReportState.OPEN
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    note: str | None = None
    text: str | None = None
    """DM reports only: the verified text, the one copy the server has. Room reports
    keep no copy: they show the room message's current text."""

    def to_wire(self, text: str | None = None) -> dict[str, Any]:
        """For supporters' review: the message's current text (None once redacted),
        and people by pseudonym only."""
        return {
            "id": self.id,
            "message_id": self.message_id,
            "room": self.room or None,
            "source": self.source.value,
            "reason": self.reason,
            "reporter": {"pseudonym": self.reporter_pseudonym} if self.reporter_pseudonym else None,
            "author": {"pseudonym": self.author_pseudonym},
            "text": text,
            "state": self.state.value,
            "created_at": iso(self.created_at),
            "resolved_by": {"pseudonym": self.resolved_by} if self.resolved_by else None,
            "resolved_at": iso(self.resolved_at) if self.resolved_at else None,
            "outcome": self.outcome,
        }

    def update_for_reporter(self) -> dict[str, Any]:
        """What the reporter is told: that it was acted on, not who wrote what."""
        return {
            "id": self.id,
            "message_id": self.message_id,
            "state": self.state.value,
            "outcome": self.outcome,
        }
