"""The classifier ports. The server depends on these and never on a model library."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.assessment import Analysis, RiskAssessment


class Classifier(Protocol):
    """Turns a batch of texts into crisis-risk assessments, one per text, in order."""

    def assess(self, texts: Sequence[str]) -> list[RiskAssessment]: ...


class Analyzer(Protocol):
    """Crisis risk plus abuse and method detection, for the room-message pipeline.

    Synchronous and CPU-bound: callers on an event loop use ``AsyncAnalyzer``.
    """

    def analyze(self, texts: Sequence[str]) -> list[Analysis]: ...
