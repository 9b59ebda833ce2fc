"""The policy is a pure function: every combination of level, abuse and method."""

from __future__ import annotations

import pytest

from moderation.assessment import AbuseVerdict, Analysis, RiskAssessment, RiskLevel
from moderation.policy import Actions, decide
from server.domain.models import Role


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


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.LEAD, Role.ADMIN])
@pytest.mark.parametrize("abusive", [False, True])
@pytest.mark.parametrize("method", [False, True])
def test_a_crisis_from_staff_is_reviewed_not_paged_or_masked(
    role: Role, abusive: bool, method: bool
) -> None:
    # Outreach asks about suicide and means in plain words; a person still reads it.
    given = analysis(RiskLevel.CRISIS, abusive=abusive, method=method)
    assert decide(given, role) == Actions(review=True, staff_crisis=True)


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.LEAD])
def test_below_crisis_staff_are_treated_like_anyone(role: Role) -> None:
    for level in (RiskLevel.NONE, RiskLevel.CONCERN):
        for abusive in (False, True):
            given = analysis(level, abusive=abusive)
            assert decide(given, role) == decide(given, Role.MEMBER)


def test_a_member_in_crisis_is_still_paged() -> None:
    given = analysis(RiskLevel.CRISIS, method=True)
    assert decide(given, Role.MEMBER) == Actions(escalate=True, mask=True)


def test_nothing_to_do_is_falsy_in_any() -> None:
    assert not Actions().any and Actions(review=True).any
