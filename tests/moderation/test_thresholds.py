from __future__ import annotations

import pytest

from moderation.assessment import RiskLevel
from moderation.classifier import Thresholds


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
