"""The policy is a pure function: every combination of level, abuse and method."""

from __future__ import annotations

import pytest

from moderation.assessment import AbuseVerdict, Analysis, RiskAssessment, RiskLevel
from moderation.policy import Actions, decide


def analysis(level: RiskLevel, abusive: bool = False, method: bool = False) -> Analysis:
    risk = {RiskLevel.NONE: 0.0, RiskLevel.CONCERN: 0.6, RiskLevel.CRISIS: 0.95}[level]
    return Analysis(RiskAssessment(risk, level), AbuseVerdict(0.9 if abusive else 0.0, abusive),
                    mentions_method=method)  # fmt: skip


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (analysis(RiskLevel.NONE), Actions()),
        # Naming a method is not by itself a crisis (a nurse discussing doses is work).
        (analysis(RiskLevel.NONE, method=True), Actions()),
        (analysis(RiskLevel.CONCERN), Actions(review=True)),
        (analysis(RiskLevel.CONCERN, method=True), Actions(review=True)),
        (analysis(RiskLevel.CRISIS), Actions(escalate=True)),
        (analysis(RiskLevel.CRISIS, method=True), Actions(escalate=True, mask=True)),
        (analysis(RiskLevel.NONE, abusive=True), Actions(review=True, hide=True)),
        (analysis(RiskLevel.CONCERN, abusive=True), Actions(review=True, hide=True)),
        # Someone in crisis who swears is escalated, never hidden from their peers.
        (analysis(RiskLevel.CRISIS, abusive=True), Actions(escalate=True)),
    ],
)
def test_decide(given: Analysis, expected: Actions) -> None:
    assert decide(given) == expected


def test_nothing_to_do_is_falsy_in_any() -> None:
    assert not Actions().any and Actions(review=True).any
