"""EscalationService: open, list, claim, triage, resolve, and page leads about crises.

Leads (and admins) act on escalations; everyone else gets ``forbidden``. Every state
change is recorded durably beside the escalation and appended to the audit log.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from moderation.assessment import RiskAssessment
from moderation.escalation_model import (
    UNCLAIMED,
    Escalation,
    EscalationSource,
    EscalationState,
    Outcome,
    Transition,
    check_transition,
)
from moderation.ports import EscalationStore
from server.domain.audit import AuditEntry, AuditLog
from server.domain.models import Role, RoomMessage, User, iso, utcnow
from server.domain.ports import Broadcaster, MessageStore
from server.errors import AlreadyClaimed, Forbidden, NotFound

logger = logging.getLogger(__name__)

CONTEXT_MESSAGES = 5
SAFETY_MESSAGE = (
    "Thank you for sharing this. You don't have to carry it alone: a peer lead has been "
    "told and will reach out. If you are in danger now, call 999."
)
OFFER_MESSAGE = "Would you like a peer lead to open a private one-to-one chat with you?"
PRIVATE_REASONS = {
    EscalationSource.DM_REPORT: "reported a private message as urgent",
    EscalationSource.DM_HELP: "asked for help from a private chat",
}


def require_lead(user: User) -> None:
    if user.role < Role.LEAD:
        raise Forbidden("only peer leads and admins can act on escalations")


@dataclass(frozen=True)
class CrisisLine:
    name: str
    text: str

    def to_wire(self) -> dict[str, str]:
        return {"name": self.name, "text": self.text}


class EscalationService:
    def __init__(
        self,
        store: EscalationStore,
        messages: MessageStore,
        broadcaster: Broadcaster,
        audit: AuditLog,
        sla_s: int,
        crisis_lines: Sequence[CrisisLine],
    ) -> None:
        self._store = store
        self._messages = messages
        self._broadcaster = broadcaster
        self._audit = audit
        self._sla = timedelta(seconds=sla_s)
        self._lines = [line.to_wire() for line in crisis_lines]

    async def open(self, message: RoomMessage, risk: RiskAssessment) -> Escalation:
        """Open an escalation for a crisis message, page the leads, and support the writer."""
        now = utcnow()
        escalation = await self._store.insert(
            Escalation(
                id=secrets.token_hex(12),
                room=message.room,
                message_id=message.id,
                message_seq=message.seq,
                author_id=message.author.id,
                author_pseudonym=message.author.pseudonym,
                level=risk.level.value,
                # Stored as leads see it, so "highest risk first" never turns on digits
                # that no dashboard shows (a near-certain model often ties at 1.0).
                risk=round(risk.risk, 4),
                reasons=tuple(risk.reasons),
                state=EscalationState.OPEN,
                created_at=now,
                due_at=now + self._sla,
            )
        )
        # Recorded before anyone is told, so a crash after the page leaves no gap in the
        # escalation's history.
        await self._changed(escalation, None, EscalationState.OPEN, "classifier")
        await self._broadcaster.to_role(Role.LEAD, "escalation:new", escalation.to_wire())
        await self._support_writer(escalation)
        return escalation

    async def open_private(
        self,
        writer: User,
        source: EscalationSource,
        ref: str,
        text: str,
        subject_pseudonym: str | None,
    ) -> Escalation:
        """Open an escalation from a private chat: a DM reported as urgent, or "I need
        help now". ``text`` is the verified or shared text, stored as the leads' only copy;
        ``ref`` names what is escalated, so the same DM message escalates once."""
        assert source != EscalationSource.ROOM
        now = utcnow()
        candidate = Escalation(
            id=secrets.token_hex(12),
            room="",
            message_id=ref,
            message_seq=0,
            author_id=writer.id,
            author_pseudonym=writer.pseudonym,
            level="crisis",
            risk=1.0,
            reasons=(PRIVATE_REASONS[source],),
            state=EscalationState.OPEN,
            created_at=now,
            due_at=now + self._sla,
            source=source,
            text=text,
            subject_pseudonym=subject_pseudonym,
        )
        escalation = await self._store.insert(candidate)
        if escalation.id != candidate.id:
            return escalation  # already escalated: the leads were paged the first time
        # Recorded before anyone is told, so a crash after the page leaves no gap in the
        # escalation's history.
        await self._changed(escalation, None, EscalationState.OPEN, writer.pseudonym)
        await self._broadcaster.to_role(Role.LEAD, "escalation:new", escalation.to_wire())
        await self._support_writer(escalation)
        return escalation

    async def _support_writer(self, escalation: Escalation) -> None:
        author = escalation.author_id
        resources = {"lines": self._lines, "message": SAFETY_MESSAGE}
        await self._broadcaster.to_user(author, "safety:resources", resources)
        offer = {"escalation_id": escalation.id, "message": OFFER_MESSAGE}
        await self._broadcaster.to_user(author, "safety:offer", offer)

    async def listed(
        self, user: User, state: EscalationState | None, limit: int
    ) -> list[Escalation]:
        require_lead(user)
        if state is None:
            states = tuple(EscalationState)
        elif state == EscalationState.OPEN:
            states = UNCLAIMED
        else:
            states = (state,)
        return await self._store.in_states(states, limit)

    async def unclaimed(self, user: User) -> list[Escalation]:
        """What a lead who just connected must see (oldest first)."""
        require_lead(user)
        return list(reversed(await self._store.in_states(UNCLAIMED, 200)))

    async def get(self, user: User, escalation_id: str) -> dict[str, Any]:
        """The escalation, its history, and the room around the flagged message (or, for
        a private escalation, the text the writer verified or chose to share)."""
        require_lead(user)
        escalation = await self._require(escalation_id)
        transitions = await self._store.transitions(escalation_id)
        return {
            "escalation": escalation.to_wire(),
            **(await self._evidence(escalation)),
            "history": [
                {
                    "from": t.from_state.value if t.from_state else None,
                    "to": t.to_state.value,
                    "by": t.actor,
                    "at": iso(t.at),
                }
                for t in transitions
            ],
        }

    async def _evidence(self, escalation: Escalation) -> dict[str, Any]:
        if escalation.private:
            return {"message": None, "text": escalation.text, "context": None}
        room, seq = escalation.room, escalation.message_seq
        before = await self._messages.history(room, seq, None, CONTEXT_MESSAGES)
        after = await self._messages.history(room, None, seq, CONTEXT_MESSAGES)
        flagged = await self._messages.get(escalation.message_id)
        return {
            "message": flagged.to_wire() if flagged else None,
            "text": None,
            "context": {
                "before": [m.to_wire() for m in before],
                "after": [m.to_wire() for m in after],
            },
        }

    async def claim(self, lead: User, escalation_id: str) -> Escalation:
        """Exactly one lead wins; the others get ``already_claimed``."""
        require_lead(lead)
        claimed = await self._store.claim(escalation_id, lead.pseudonym, utcnow())
        if claimed is None:
            # The conditional claim matches any unclaimed escalation, so an existing
            # one that did not match was claimed (or resolved) by someone else first.
            await self._require(escalation_id)
            raise AlreadyClaimed("another lead has already claimed this escalation")
        await self._announce_claim(claimed)
        return claimed

    async def claim_next(self, lead: User) -> Escalation | None:
        """Triage: claim the unclaimed escalation of highest risk, oldest first."""
        require_lead(lead)
        claimed = await self._store.claim_next(lead.pseudonym, utcnow())
        if claimed is not None:
            await self._announce_claim(claimed)
        return claimed

    async def _announce_claim(self, escalation: Escalation) -> None:
        # The store's conditional update only matches open or overdue escalations, so
        # the state before the claim is one of those; the history names which.
        before = EscalationState.OVERDUE if escalation.overdue_at else EscalationState.OPEN
        assert escalation.claimed_by is not None and escalation.claimed_at is not None
        await self._broadcaster.to_role(
            Role.LEAD,
            "escalation:claimed",
            {
                "id": escalation.id,
                "by": {"pseudonym": escalation.claimed_by},
                "at": iso(escalation.claimed_at),
            },
        )
        await self._changed(escalation, before, EscalationState.CLAIMED, escalation.claimed_by)

    async def resolve(
        self, lead: User, escalation_id: str, outcome: Outcome, note: str
    ) -> Escalation:
        """The lead who claimed it (or an admin) records the outcome."""
        require_lead(lead)
        by = None if lead.role >= Role.ADMIN else lead.pseudonym
        resolved = await self._store.resolve(escalation_id, by, outcome.value, note, utcnow())
        if resolved is None:
            current = await self._require(escalation_id)
            check_transition(current.state, EscalationState.RESOLVED)
            raise Forbidden("only the lead who claimed this escalation can resolve it")
        await self._broadcaster.to_role(
            Role.LEAD,
            "escalation:resolved",
            {"id": resolved.id, "outcome": resolved.outcome, "by": {"pseudonym": lead.pseudonym}},
        )
        await self._changed(
            resolved, EscalationState.CLAIMED, EscalationState.RESOLVED, lead.pseudonym,
            reason=outcome.value,
        )  # fmt: skip
        return resolved

    async def request_lead(self, writer: User, escalation_id: str | None) -> None:
        """The writer accepts the offer: tell the leads who wants a one-to-one chat."""
        if escalation_id is not None:
            escalation = await self._store.get(escalation_id)
            if escalation is None or escalation.author_id != writer.id:
                raise NotFound("no such escalation")
        await self._broadcaster.to_role(
            Role.LEAD,
            "safety:lead_requested",
            {
                "escalation_id": escalation_id,
                "author": {"pseudonym": writer.pseudonym},
                "at": iso(utcnow()),
            },
        )
        await self._audit.append(
            AuditEntry(writer.pseudonym, "safety.request_lead", escalation_id or writer.pseudonym)
        )

    async def _require(self, escalation_id: str) -> Escalation:
        escalation = await self._store.get(escalation_id)
        if escalation is None:
            raise NotFound("no such escalation")
        return escalation

    async def _changed(
        self,
        escalation: Escalation,
        before: EscalationState | None,
        after: EscalationState,
        actor: str,
        reason: str = "",
    ) -> None:
        now = utcnow()
        await self._store.record(Transition(escalation.id, before, after, actor, now))
        await self._audit.append(
            AuditEntry(
                actor,
                f"escalation.{after.value}",
                escalation.id,
                reason=reason,
                room=escalation.room or None,
                details={"from": before.value if before else None, "to": after.value},
                at=now,
            )
        )
