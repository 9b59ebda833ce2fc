"""The ports the moderation services talk through. Storage and transport implement them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from moderation.assessment import Analysis
from moderation.escalation_model import Escalation, EscalationState, Transition
from moderation.report_model import Report, ReportState
from moderation.sanction_model import Sanction


class TextAnalyzer(Protocol):
    """Analyses one text without blocking the event loop (``AsyncAnalyzer`` batches
    these into a worker thread)."""

    async def analyze(self, text: str) -> Analysis: ...


class EscalationStore(Protocol):
    async def insert(self, escalation: Escalation) -> Escalation:
        """Store a new escalation; one per message, so a repeat returns the first."""

    async def get(self, escalation_id: str) -> Escalation | None: ...

    async def in_states(self, states: tuple[EscalationState, ...], limit: int) -> list[Escalation]:
        """Newest first."""

    async def claim(self, escalation_id: str, lead: str, now: datetime) -> Escalation | None:
        """Atomically claim an unclaimed escalation; None when it was not unclaimed."""

    async def claim_next(self, lead: str, now: datetime) -> Escalation | None:
        """Atomically claim the unclaimed escalation of highest risk, oldest first."""

    async def resolve(
        self, escalation_id: str, lead: str | None, outcome: str, note: str, now: datetime
    ) -> Escalation | None:
        """Resolve a claimed escalation (claimed by ``lead`` unless it is None)."""

    async def due(self, now: datetime, limit: int) -> list[Escalation]:
        """Open escalations whose SLA has lapsed."""

    async def mark_overdue(self, escalation_id: str, now: datetime) -> Escalation | None:
        """Atomically move an open escalation to overdue; None when another process did."""

    async def pages_pending(self, older_than: datetime, limit: int) -> list[Escalation]:
        """Overdue escalations whose webhook page has not been delivered yet."""

    async def page_delivered(self, escalation_id: str, now: datetime) -> None: ...

    async def record(self, transition: Transition) -> None:
        """Append one state change to the escalation's durable history."""

    async def transitions(self, escalation_id: str) -> list[Transition]: ...


class Pager(Protocol):
    """Pages clinical on-call (a webhook); raises after its retries are spent."""

    async def page(self, payload: dict[str, Any]) -> None: ...


class ReportStore(Protocol):
    async def insert(self, report: Report) -> Report: ...

    async def get(self, report_id: str) -> Report | None: ...

    async def in_state(self, state: ReportState | None, limit: int) -> list[Report]: ...

    async def resolve(
        self, report_id: str, resolver: str, outcome: str, note: str, now: datetime
    ) -> Report | None:
        """Atomically resolve an open report; None when it was not open."""


class SanctionStore(Protocol):
    async def put(self, sanction: Sanction) -> None:
        """Store a ban or timeout, replacing the same user's same kind in the same room."""

    async def lift(self, kind: str, user_id: str, room: str | None) -> bool: ...

    async def active(self, user_id: str, room: str, now: datetime) -> list[Sanction]:
        """Bans and unexpired timeouts that apply to ``user_id`` in ``room``."""
