"""The DM service's report port, served by the escalation and moderation services.

server/domain/dm.py verifies a franked report (or takes a help request) and hands it
here; this adapter routes it: urgent reports and help requests open an escalation for
the peer leads, the rest join the supporters' review queue.
"""

from __future__ import annotations

from moderation.escalation_model import EscalationSource
from moderation.escalations import EscalationService
from moderation.room_moderation import ModerationService
from server.domain.dm_ports import FiledReport, FilingReceipt, ReportKind


class ModerationReportFiler:
    def __init__(self, escalations: EscalationService, moderation: ModerationService) -> None:
        self._escalations = escalations
        self._moderation = moderation

    async def file(self, report: FiledReport) -> FilingReceipt:
        if report.urgent:
            source = (
                EscalationSource.DM_HELP
                if report.kind == ReportKind.HELP
                else EscalationSource.DM_REPORT
            )
            escalation = await self._escalations.open_private(
                report.reporter, source, report.ref, report.text, report.subject_pseudonym
            )
            return FilingReceipt(escalation.id, urgent=True)
        assert report.subject_pseudonym is not None  # a DM report names its sender
        filed = await self._moderation.file_private(
            report.reporter, report.ref, report.subject_pseudonym, report.text
        )
        return FilingReceipt(filed.id, urgent=False)
