"""An escalation: one crisis message that an on-call peer lead must pick up.

A room escalation points at the flagged room message. A private one (``dm_report``: a
DM reported as urgent; ``dm_help``: "I need help now") has no room: it carries the
verified or shared text itself, the only copy the leads get.

Lifecycle (explicit transitions; anything else fails with ``InvalidState``)::

    open ──claim──▶ claimed ──resolve──▶ resolved
      │                ▲
      └─SLA lapses─▶ overdue ──claim──┘

``overdue`` is an unclaimed escalation whose SLA lapsed: it is still open to a claim,
and ``escalation:list {"state": "open"}`` lists it with the open ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from server.domain.models import iso
from server.errors import InvalidState, ValidationError


class EscalationState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    CLAIMED = "claimed"
    RESOLVED = "resolved"

    @classmethod
    def parse(cls, value: str) -> EscalationState:
        try:
            return cls(value)
        except ValueError:
            raise ValidationError("'state' must be open, overdue, claimed or resolved") from None


UNCLAIMED = (EscalationState.OPEN, EscalationState.OVERDUE)

TRANSITIONS: dict[EscalationState, frozenset[EscalationState]] = {
    EscalationState.OPEN: frozenset({EscalationState.OVERDUE, EscalationState.CLAIMED}),
    EscalationState.OVERDUE: frozenset({EscalationState.CLAIMED}),
    EscalationState.CLAIMED: frozenset({EscalationState.RESOLVED}),
    EscalationState.RESOLVED: frozenset(),
}


def check_transition(current: EscalationState, target: EscalationState) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidState(f"an escalation that is {current.value} cannot become {target.value}")


class Outcome(StrEnum):
    """How a lead closed an escalation."""

    SUPPORTED = "supported"
    REFERRED = "referred"
    EMERGENCY_SERVICES = "emergency_services"
    NO_RESPONSE = "no_response"
    NOT_A_CRISIS = "not_a_crisis"

    @classmethod
    def parse(cls, value: str) -> Outcome:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(o.value for o in cls)
            raise ValidationError(f"'outcome' must be one of {allowed}") from None


class EscalationSource(StrEnum):
    ROOM = "room"
    DM_REPORT = "dm_report"
    DM_HELP = "dm_help"


@dataclass(frozen=True)
class Escalation:
    id: str
    room: str
    message_id: str
    message_seq: int
    author_id: str
    author_pseudonym: str
    level: str
    risk: float
    reasons: tuple[str, ...]
    state: EscalationState
    created_at: datetime
    due_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    overdue_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    note: str | None = None
    source: EscalationSource = EscalationSource.ROOM
    text: str | None = None
    """Private escalations only: what the reporter verified or chose to share."""
    subject_pseudonym: str | None = None
    """Private escalations only: whom the report or help request is about, if anyone."""

    @property
    def private(self) -> bool:
        return self.source != EscalationSource.ROOM

    def to_wire(self) -> dict[str, Any]:
        """What leads see. The author appears by pseudonym only; never the user id."""
        return {
            "id": self.id,
            "source": self.source.value,
            "room": self.room or None,
            "message_id": self.message_id,
            "subject": {"pseudonym": self.subject_pseudonym} if self.subject_pseudonym else None,
            "level": self.level,
            "risk": round(self.risk, 4),
            "reasons": list(self.reasons),
            "author": {"pseudonym": self.author_pseudonym},
            "created_at": iso(self.created_at),
            "state": self.state.value,
            "due_at": iso(self.due_at),
            "overdue": self.overdue_at is not None,
            "claimed_by": {"pseudonym": self.claimed_by} if self.claimed_by else None,
            "claimed_at": iso(self.claimed_at) if self.claimed_at else None,
            "resolved_at": iso(self.resolved_at) if self.resolved_at else None,
            "outcome": self.outcome,
            "note": self.note,
        }

    def page(self, sla_s: int) -> dict[str, Any]:
        """The webhook payload for clinical on-call: no message text, no identity beyond
        the pseudonym, only what a clinician needs to judge urgency and follow up."""
        return {
            "type": "escalation.overdue",
            "id": self.id,
            "source": self.source.value,
            "room": self.room or None,
            "level": self.level,
            "risk": round(self.risk, 4),
            "reasons": list(self.reasons),
            "author": {"pseudonym": self.author_pseudonym},
            "created_at": iso(self.created_at),
            "due_at": iso(self.due_at),
            "sla_s": sla_s,
        }


@dataclass(frozen=True)
class Transition:
    """One recorded state change of an escalation."""

    escalation_id: str
    from_state: EscalationState | None
    to_state: EscalationState
    actor: str
    at: datetime
