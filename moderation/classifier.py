"""The classifier ports, their settings, and the one function that picks an implementation.

The server depends on these and never on a model library.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from moderation.assessment import Analysis, RiskAssessment, RiskLevel
from moderation.model_files import MODEL_DIR, THRESHOLDS_FILE


class Classifier(Protocol):
    """Turns a batch of texts into crisis-risk assessments, one per text, in order."""

    def assess(self, texts: Sequence[str]) -> list[RiskAssessment]: ...


class Analyzer(Protocol):
    """Crisis risk plus abuse and method detection, for the room-message pipeline.

    Synchronous and CPU-bound: callers on an event loop use ``AsyncAnalyzer``.
    """

    def analyze(self, texts: Sequence[str]) -> list[Analysis]: ...


@dataclass(frozen=True)
class Thresholds:
    """Risk cut-offs: ``concern`` asks a supporter to look, ``crisis`` pages a lead."""

    concern: float
    crisis: float
    abuse: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.concern <= self.crisis <= 1.0:
            raise ValueError(f"need 0 <= concern <= crisis <= 1, got {self.concern}, {self.crisis}")
        if not 0.0 <= self.abuse <= 1.0:
            raise ValueError(f"abuse threshold must be in [0, 1], got {self.abuse}")

    def level(self, risk: float) -> RiskLevel:
        if risk >= self.crisis:
            return RiskLevel.CRISIS
        if risk >= self.concern:
            return RiskLevel.CONCERN
        return RiskLevel.NONE

    def floor(self, level: RiskLevel) -> float:
        """The least risk that maps to ``level``."""
        return {RiskLevel.NONE: 0.0, RiskLevel.CONCERN: self.concern}.get(level, self.crisis)

    @classmethod
    def trained(cls, model_dir: Path = MODEL_DIR) -> Thresholds:
        data = json.loads((model_dir / THRESHOLDS_FILE).read_text(encoding="utf-8"))
        return cls(float(data["concern"]), float(data["crisis"]), float(data["abuse"]))

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, model_dir: Path = MODEL_DIR
    ) -> Thresholds:
        """``HUDDLE_RISK_CONCERN`` / ``HUDDLE_RISK_CRISIS`` / ``HUDDLE_ABUSE_THRESHOLD``
        override the thresholds chosen in training."""
        env = os.environ if env is None else env
        base = cls.trained(model_dir)
        return cls(
            float(env.get("HUDDLE_RISK_CONCERN", base.concern)),
            float(env.get("HUDDLE_RISK_CRISIS", base.crisis)),
            float(env.get("HUDDLE_ABUSE_THRESHOLD", base.abuse)),
        )


class NoopAnalyzer:
    """Says "none" to everything: a floor for benchmarks and a stand-in for tests."""

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        return [Analysis(RiskAssessment(0.0, RiskLevel.NONE)) for _ in texts]

    def assess(self, texts: Sequence[str]) -> list[RiskAssessment]:
        return [a.risk for a in self.analyze(texts)]


ANALYZER_KINDS = ("onnx", "keyword", "noop")


def load_analyzer(kind: str = "onnx", threads: int = 1) -> Analyzer:
    """Build the named analyzer: ``onnx`` (the shipped model), ``keyword`` or ``noop``."""
    if kind == "onnx":
        from moderation.onnx_classifier import OnnxAnalyzer

        return OnnxAnalyzer.from_model_dir(threads=threads)
    if kind == "keyword":
        from moderation.keyword_classifier import KeywordAnalyzer

        return KeywordAnalyzer()
    if kind == "noop":
        return NoopAnalyzer()
    raise ValueError(f"unknown analyzer kind {kind!r}; expected one of {ANALYZER_KINDS}")
