from __future__ import annotations

import numpy as np
import pytest

from moderation.assessment import RiskLevel
from moderation.classifier import Thresholds
from moderation.datasets import Example
from moderation.train import choose_crisis_thresholds


def test_defaults_are_the_trained_thresholds() -> None:
    assert Thresholds.from_env({}) == Thresholds.trained()


def test_environment_overrides() -> None:
    t = Thresholds.from_env({"HUDDLE_RISK_CONCERN": "0.3", "HUDDLE_RISK_CRISIS": "0.9"})
    assert (t.concern, t.crisis) == (0.3, 0.9)
    assert t.level(0.29) is RiskLevel.NONE
    assert t.level(0.3) is RiskLevel.CONCERN
    assert t.level(0.95) is RiskLevel.CRISIS


def test_inconsistent_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="concern <= crisis"):
        Thresholds(0.9, 0.5)


def _rows(source: str, kind: str, scores: list[float]) -> list[tuple[Example, float]]:
    return [(Example(f"{source} {kind} {i}", 0, source, kind), s) for i, s in enumerate(scores)]


def choose(rows: list[tuple[Example, float]]) -> dict[str, float]:
    examples = [e for e, _ in rows]
    scores = np.array([s for _, s in rows], dtype=np.float32)
    return choose_crisis_thresholds(scores, examples, np.ones(len(rows), dtype=bool))


def test_cut_offs_hold_domain_chatter_to_the_chat_cap() -> None:
    # 100 lookalikes scored 0.00-0.99, 100 outside chat rows scored low.
    lookalikes = _rows("domain", "venting", [i / 100 for i in range(100)])
    outside = _rows("goemotions-reddit", "joy", [0.01] * 100)
    quiet = choose(lookalikes + outside)
    assert quiet["concern"] == pytest.approx(0.9504, abs=1e-3)  # the lookalikes' 96th centile
    # Chatter in the domain set joins everyday chat, where 1% is the cap, not 4%.
    chatter = _rows("domain", "everyday", [0.0] * 97 + [0.999] * 3)
    loud = choose(lookalikes + outside + chatter)
    assert loud["concern"] > 0.99
    # Easy chatter never dilutes the lookalike cap: it cannot lower a cut-off.
    easy = choose(lookalikes + outside + _rows("domain", "everyday", [0.0] * 400))
    assert easy == quiet
