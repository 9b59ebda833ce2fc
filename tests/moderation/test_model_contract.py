"""What the end-to-end tests assume the shipped classifier says about their texts.

If a retrained model changes its mind about one of these, this fails first and names
the text, instead of an end-to-end test timing out on an event that never comes.
"""

from __future__ import annotations

import pytest

from moderation.assessment import RiskLevel
from moderation.classifier import load_analyzer
from moderation.onnx_classifier import OnnxAnalyzer
from tests.moderation_e2e.helpers import ABUSIVE, CONCERN, CRISIS, CRISIS_WITH_METHOD, SAFE


@pytest.fixture(scope="module")
def analyses():  # type: ignore[no-untyped-def]
    texts = [CRISIS, CRISIS_WITH_METHOD, CONCERN, ABUSIVE, SAFE]
    return dict(zip(texts, load_analyzer("onnx").analyze(texts), strict=True))


def test_the_crisis_texts_are_crises(analyses) -> None:  # type: ignore[no-untyped-def]
    assert analyses[CRISIS].risk.level == RiskLevel.CRISIS
    assert not analyses[CRISIS].mentions_method
    assert analyses[CRISIS_WITH_METHOD].risk.level == RiskLevel.CRISIS
    assert analyses[CRISIS_WITH_METHOD].mentions_method


def test_the_concern_text_is_a_concern(analyses) -> None:  # type: ignore[no-untyped-def]
    assert analyses[CONCERN].risk.level == RiskLevel.CONCERN
    assert not analyses[CONCERN].abuse.abusive


def test_the_abusive_text_is_abusive_and_no_crisis(analyses) -> None:  # type: ignore[no-untyped-def]
    assert analyses[ABUSIVE].abuse.abusive
    assert analyses[ABUSIVE].risk.level != RiskLevel.CRISIS


def test_the_safe_text_is_safe(analyses) -> None:  # type: ignore[no-untyped-def]
    analysis = analyses[SAFE]
    assert analysis.risk.level == RiskLevel.NONE and not analysis.abuse.abusive


def test_a_score_does_not_depend_on_its_batch(analyzer: OnnxAnalyzer) -> None:
    # A message must get the same risk alone as beside others: with one int8 activation
    # scale per batch, the batch's longest, loudest neighbour moved it by up to 0.38.
    neighbours = [
        "Handover was chaos again, bay 3 all needing obs at once and the bleep never stopped "
        "from the moment I walked on until well after I should have gone home, " * 3,
        "lol",
        "The resus trolley check list is three pages now and nobody knows why",
    ]
    for text in (CRISIS, CONCERN, SAFE):
        (alone,) = analyzer.analyze([text])
        batched = analyzer.analyze([*neighbours, text])[-1]
        assert batched.risk.risk == pytest.approx(alone.risk.risk, abs=1e-5)
        assert batched.risk.level == alone.risk.level
