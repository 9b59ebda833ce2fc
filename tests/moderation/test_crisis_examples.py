"""A small fixed set, written for these tests (not taken from the domain set)."""

from __future__ import annotations

import pytest

from moderation.assessment import RiskLevel
from moderation.onnx_classifier import OnnxAnalyzer

EXPLICIT_CRISIS = [
    "I want to kill myself",
    "I'm going to end my life tonight after my shift",
    "I've decided to take my own life. I can't keep doing this",
    "I'm suicidal and I don't think I can keep myself safe tonight",
    "honestly I just want to die, I can't face another night",
    "I've been cutting myself again after every shift",
]

LOOKALIKES = {
    "clinical": [
        "Two paracetamol overdoses admitted overnight, both started on NAC",
        "Completed the suicide risk assessment for bed 6 and referred to liaison psychiatry",
        "Ligature audit on the ward flagged the new shower rails",
        "Patient in side room 3 died peacefully at 0400, verified and family informed",
    ],
    "third_party": [
        "Worried about a colleague who keeps saying she is a burden. How do I bring it up?",
        "My mate from ED told me she's been self harming, how do I support her?",
    ],
    "figurative": [
        "this rota is killing me",
        "I could die of embarrassment, I called the consultant mum",
        "These night shifts will be the death of me",
    ],
    "leaving_job": [
        "Last shift on ward 9 tonight, moving trusts next week. Goodbye and thank you all!",
        "Handed in my resignation letter today, off to a practice nurse job in the spring",
    ],
    "venting": [
        "this shift was shit. so tired",
        "Completely burnt out, cried in the car park again but I'll be ok after some sleep",
        "Management never listen. Three nurses down again and no agency",
    ],
    "dark_humour": [
        "The only way I'm getting a break is if I get admitted lol",
        "Bury me in my crocs with a cold cup of tea",
    ],
    "everyday": [
        "morning all, who else is on the early?",
        "anyone fancy a brew before handover?",
        "off to bed, speak to you all tomorrow",
        "sorry, slow reply, just back from a run of nights",
        "thank you for listening, I feel a bit lighter now",
    ],
}


def test_explicit_crisis_statements_page_a_lead(analyzer: OnnxAnalyzer) -> None:
    results = analyzer.assess(EXPLICIT_CRISIS)
    assert [r.level for r in results] == [RiskLevel.CRISIS] * len(EXPLICIT_CRISIS)
    assert all(r.reasons for r in results)


@pytest.mark.parametrize("kind", sorted(LOOKALIKES))
def test_lookalikes_pass(analyzer: OnnxAnalyzer, kind: str) -> None:
    results = analyzer.assess(LOOKALIKES[kind])
    pairs = zip(LOOKALIKES[kind], results, strict=True)
    flagged = [text for text, r in pairs if r.level is not RiskLevel.NONE]
    assert flagged == []


def test_peer_outreach_passes(analyzer: OnnxAnalyzer) -> None:
    (result,) = analyzer.assess(
        ["If anyone here is struggling with thoughts of suicide please reach out, we're here"]
    )
    assert result.level is RiskLevel.NONE


def test_reasons_are_short_and_do_not_quote_the_message(analyzer: OnnxAnalyzer) -> None:
    text = "I've stockpiled my zopiclone and I'm going to take them all tonight, I want to die"
    (result,) = analyzer.assess([text])
    assert result.level is not RiskLevel.NONE
    for reason in result.reasons:
        assert len(reason) <= 60
        assert reason.lower() not in text.lower()
    assert "zopiclone" not in " ".join(result.reasons)


def test_risk_is_a_probability_and_empty_text_is_none(analyzer: OnnxAnalyzer) -> None:
    results = analyzer.assess(["", "   ", "hello", "x" * 100_000, "Je veux mourir"])
    assert all(0.0 <= r.risk <= 1.0 for r in results)
    assert results[0].level is RiskLevel.NONE
    assert results[1].level is RiskLevel.NONE


def test_analysis_carries_method_and_abuse(analyzer: OnnxAnalyzer) -> None:
    crisis, swearing = analyzer.analyze(
        ["I've saved up enough insulin to end it tonight", "this shift was shit"]
    )
    assert crisis.mentions_method
    assert crisis.risk.level is not RiskLevel.NONE
    assert not swearing.mentions_method
    assert not swearing.abuse.abusive
