"""The escalation SLA: unclaimed escalations past ``due_at`` are re-sent as overdue.

Timers live in the store, not in memory: each escalation carries its ``due_at``, and a
loop in every server process picks the due ones. Marking one overdue is a conditional
update, so exactly one process fires each, and a restarted server picks up whatever
lapsed while it was down. The webhook page is an outbox: ``page_pending`` is set with
the overdue mark and cleared only when clinical on-call acknowledged it, so a page cut
off by a crash is sent again (at least once; receivers dedupe on ``id``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from moderation.escalation_model import Escalation, EscalationState, Transition
from moderation.ports import EscalationStore, Pager
from server.domain.audit import AuditEntry, AuditLog
from server.domain.models import Role, utcnow
from server.domain.ports import Broadcaster

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
# A page another process may still be sending is left alone this long before a
# sweep takes it over.
PAGE_TAKEOVER = timedelta(seconds=60)


class SlaScheduler:
    def __init__(
        self,
        store: EscalationStore,
        broadcaster: Broadcaster,
        audit: AuditLog,
        pager: Pager | None,
        sla_s: int,
    ) -> None:
        self._store = store
        self._broadcaster = broadcaster
        self._audit = audit
        self._pager = pager
        self._sla_s = sla_s
        self._paging: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def interval_s(self) -> float:
        """Check often enough that an overdue fires within a small fraction of the SLA."""
        return min(1.0, max(0.1, self._sla_s / 10))

    async def run(self) -> None:
        """Sweep until cancelled; a failed sweep is logged and the loop goes on."""
        await self._resume_pages(first=True)
        while True:
            try:
                await self.sweep()
            except Exception:
                logger.exception("escalation SLA sweep failed")
            await asyncio.sleep(self.interval_s)

    async def sweep(self) -> list[Escalation]:
        fired = []
        for candidate in await self._store.due(utcnow(), SWEEP_BATCH):
            overdue = await self._store.mark_overdue(candidate.id, utcnow())
            if overdue is not None:
                await self._fire(overdue)
                fired.append(overdue)
        await self._resume_pages(first=False)
        return fired

    async def _fire(self, escalation: Escalation) -> None:
        await self._broadcaster.to_role(Role.SUPPORTER, "escalation:overdue", escalation.to_wire())
        at = escalation.overdue_at or utcnow()
        await self._store.record(
            Transition(escalation.id, EscalationState.OPEN, EscalationState.OVERDUE, "sla", at)
        )
        await self._audit.append(
            AuditEntry(
                "sla",
                "escalation.overdue",
                escalation.id,
                room=escalation.room or None,
                details={"from": "open", "to": "overdue", "sla_s": self._sla_s},
                at=at,
            )
        )
        logger.warning("escalation %s is overdue (SLA %ds)", escalation.id, self._sla_s)
        self._start_page(escalation)

    async def _resume_pages(self, first: bool) -> None:
        """Pages left pending by a crash (at start-up) or by another process (later)."""
        if self._pager is None:
            return
        cutoff = utcnow() if first else utcnow() - PAGE_TAKEOVER
        for escalation in await self._store.pages_pending(cutoff, SWEEP_BATCH):
            self._start_page(escalation)

    def _start_page(self, escalation: Escalation) -> None:
        if self._pager is None or escalation.id in self._paging:
            return
        self._paging.add(escalation.id)
        task = asyncio.get_running_loop().create_task(self._page(escalation))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _page(self, escalation: Escalation) -> None:
        assert self._pager is not None
        try:
            await self._pager.page(escalation.page(self._sla_s))
            await self._store.page_delivered(escalation.id, utcnow())
            result = "delivered"
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("paging clinical on-call for escalation %s failed", escalation.id)
            result = "failed"
        finally:
            self._paging.discard(escalation.id)
        await self._audit.append(
            AuditEntry(
                "sla", "escalation.page", escalation.id, result, room=escalation.room or None
            )
        )

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
