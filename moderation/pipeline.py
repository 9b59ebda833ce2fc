"""The room-message observer: classify, decide, act. Runs after delivery, never before.

RoomService stores and broadcasts a message, then hands it here in a background task,
so classification never delays delivery. The analyzer batches texts in a worker
thread (or a worker process), never on the event loop.
"""

from __future__ import annotations

import logging
import time

from moderation.escalations import EscalationService
from moderation.policy import decide
from moderation.ports import TextAnalyzer
from moderation.room_moderation import ModerationService
from server.domain.models import RoomMessage

logger = logging.getLogger(__name__)


class ModerationPipeline:
    def __init__(
        self,
        analyzer: TextAnalyzer,
        escalations: EscalationService,
        moderation: ModerationService,
    ) -> None:
        self._analyzer = analyzer
        self._escalations = escalations
        self._moderation = moderation

    async def on_room_message(self, message: RoomMessage) -> None:
        if message.text is None:
            return
        started = time.perf_counter()
        try:
            analysis = await self._analyzer.analyze(message.text)
        except Exception:
            # Fail safe: a message nobody classified goes to a human instead of nowhere.
            logger.exception("classifying message %s failed; queued for review", message.id)
            await self._moderation.queue_for_review(message, "unclassified: the classifier failed")
            return
        actions = decide(analysis, message.author.role)
        # Message ids and levels only: the text never reaches the log.
        logger.debug(
            "classified %s: level=%s abusive=%s method=%s in %.1f ms",
            message.id,
            analysis.risk.level.value,
            analysis.abuse.abusive,
            analysis.mentions_method,
            (time.perf_counter() - started) * 1000,
        )
        if not actions.any:
            return
        if actions.mask:
            await self._moderation.mask(message)
        if actions.escalate:
            await self._escalations.open(message, analysis.risk)
        if actions.hide:
            await self._moderation.hide(message, analysis.abuse.reasons or ("abusive language",))
        elif actions.review:
            reasons = ", ".join(analysis.risk.reasons) or "concern"
            level = analysis.risk.level.value
            if actions.staff_crisis:
                level += " (from a supporter or lead: reviewed, not paged)"
            await self._moderation.queue_for_review(message, f"{level}: {reasons}")
