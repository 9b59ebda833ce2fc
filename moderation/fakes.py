"""A scripted analyzer for pure unit tests of the policy and pipeline.

Kept beside the ports it fakes (as httpx keeps ``MockTransport``); the server never
uses it. Texts containing a scripted marker get that marker's analysis.
"""

from __future__ import annotations

from collections.abc import Mapping

from moderation.assessment import Analysis, RiskAssessment, RiskLevel

NOTHING = Analysis(RiskAssessment(0.0, RiskLevel.NONE))


class ScriptedAnalyzer:
    def __init__(self, script: Mapping[str, Analysis]) -> None:
        self._script = dict(script)
        self.seen: list[str] = []

    async def analyze(self, text: str) -> Analysis:
        self.seen.append(text)
        for marker, analysis in self._script.items():
            if marker in text:
                return analysis
        return NOTHING
