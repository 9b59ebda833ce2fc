from __future__ import annotations

import pytest

from moderation.assessment import RiskLevel
from moderation.lexicon import crisis_hits, keyword_match, method_reasons


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "i'm so suicidal tonight",
        "I don't want to be alive anymore",
        "honestly I wish I was dead",
        "I've saved up enough insulin to end it tonight",
        "I have been stockpiling my tablets to end things",
    ],
)
def test_explicit_first_person_statements_hit(text: str) -> None:
    assert any(h.floor is RiskLevel.CRISIS for h in crisis_hits(text))


@pytest.mark.parametrize(
    "text",
    [
        "The patient said he wants to kill himself",
        "My colleague keeps saying she'd be better off dead",
        "I'm not suicidal, just exhausted",
        "I could die of embarrassment",
        "If you're feeling suicidal please reach out",
        "Patient had enough oramorph at home to end it, safeguarding raised",
        "drove 40 kms to the hospice and back",
    ],
)
def test_reported_negated_and_figurative_speech_does_not(text: str) -> None:
    assert not any(h.floor is RiskLevel.CRISIS for h in crisis_hits(text))


def test_method_detector_names_categories_without_quoting() -> None:
    reasons = method_reasons("thinking about the insulin in the fridge and the bridge")
    assert reasons == [
        "names a method: medication or overdose",
        "names a method: height or jumping",
    ]
    assert method_reasons("this shift was shit") == []


def test_keyword_baseline_matches_any_keyword() -> None:
    assert keyword_match("3 overdose admissions overnight")
    assert not keyword_match("this rota is killing me")


@pytest.mark.parametrize(
    "text",
    ["I'm such a burden to my team lately", "I hope I never wake up after this shift"],
)
def test_burden_and_passive_wishes_raise_concern_but_do_not_page(text: str) -> None:
    floors = {h.floor for h in crisis_hits(text)}
    assert RiskLevel.CONCERN in floors
    assert RiskLevel.CRISIS not in floors
