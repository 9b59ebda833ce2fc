"""The pipeline's wiring from analysis to action, with a scripted analyzer (no model)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moderation.assessment import AbuseVerdict, Analysis, RiskAssessment, RiskLevel
from moderation.fakes import ScriptedAnalyzer
from moderation.pipeline import ModerationPipeline
from server.domain.models import Role, RoomMessage, User

SCRIPT = {
    "method": Analysis(RiskAssessment(0.99, RiskLevel.CRISIS, ("intent",)), mentions_method=True),
    "crisis": Analysis(RiskAssessment(0.97, RiskLevel.CRISIS, ("intent",))),
    "concern": Analysis(RiskAssessment(0.8, RiskLevel.CONCERN, ("burden",))),
    "abuse": Analysis(RiskAssessment(0.0, RiskLevel.NONE), AbuseVerdict(0.9, True, ("insult",))),
}


class Recorder:
    """Stands in for both services: records which action the pipeline took."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def open(self, message: RoomMessage, risk: RiskAssessment) -> None:
        self.calls.append(("escalate", risk.level.value))

    async def mask(self, message: RoomMessage) -> None:
        self.calls.append(("mask", message.id))

    async def hide(self, message: RoomMessage, reasons: tuple[str, ...]) -> None:
        self.calls.append(("hide", reasons))

    async def queue_for_review(self, message: RoomMessage, reason: str) -> None:
        self.calls.append(("review", reason))


def message(text: str | None, role: Role = Role.MEMBER) -> RoomMessage:
    author = User("u1", "QuietHeron-1", role)
    return RoomMessage("m1", "general", 1, author, text, datetime.now(UTC), "c1")


async def run(text: str | None, role: Role = Role.MEMBER) -> list[tuple[str, Any]]:
    recorder = Recorder()
    pipeline = ModerationPipeline(ScriptedAnalyzer(SCRIPT), recorder, recorder)  # type: ignore[arg-type]
    await pipeline.on_room_message(message(text, role))
    return recorder.calls


async def test_each_analysis_leads_to_its_actions() -> None:
    assert await run("a method") == [("mask", "m1"), ("escalate", "crisis")]
    assert await run("a crisis") == [("escalate", "crisis")]
    assert await run("a concern") == [("review", "concern: burden")]
    assert await run("abuse") == [("hide", ("insult",))]
    assert await run("hello") == []


async def test_a_crisis_from_a_lead_is_queued_for_review_and_says_why() -> None:
    reviewed = [("review", "crisis (from a supporter or lead: reviewed, not paged): intent")]
    assert await run("a method", Role.LEAD) == reviewed
    assert await run("a crisis", Role.SUPPORTER) == reviewed
    assert await run("a concern", Role.LEAD) == [("review", "concern: burden")]


async def test_a_message_without_text_is_not_classified() -> None:
    analyzer = ScriptedAnalyzer(SCRIPT)
    pipeline = ModerationPipeline(analyzer, Recorder(), Recorder())  # type: ignore[arg-type]
    await pipeline.on_room_message(message(None))
    assert analyzer.seen == []


class BrokenAnalyzer:
    async def analyze(self, text: str) -> Analysis:
        raise RuntimeError("model gone")


async def test_a_classifier_failure_sends_the_message_to_human_review() -> None:
    recorder = Recorder()
    pipeline = ModerationPipeline(BrokenAnalyzer(), recorder, recorder)  # type: ignore[arg-type]
    await pipeline.on_room_message(message("anything"))
    assert recorder.calls == [("review", "unclassified: the classifier failed")]
