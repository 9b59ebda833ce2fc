"""The plain keyword baseline that the model is measured against."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.assessment import Analysis, RiskAssessment, RiskLevel
from moderation.lexicon import keyword_match, method_reasons


class KeywordAnalyzer:
    """Crisis when any crisis keyword appears, whoever says it and however."""

    def assess(self, texts: Sequence[str]) -> list[RiskAssessment]:
        return [
            RiskAssessment(1.0, RiskLevel.CRISIS, ("crisis keyword",))
            if keyword_match(text)
            else RiskAssessment(0.0, RiskLevel.NONE)
            for text in texts
        ]

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        return [
            Analysis(risk, mentions_method=bool(method_reasons(text)))
            for risk, text in zip(self.assess(texts), texts, strict=True)
        ]
