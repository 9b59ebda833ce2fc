"""Analyses as JSON, for the trip through a Redis stream between server and worker."""

from __future__ import annotations

import json
from typing import Any

from moderation.assessment import AbuseVerdict, Analysis, RiskAssessment, RiskLevel


def analysis_to_json(analysis: Analysis) -> str:
    return json.dumps(
        {
            "risk": analysis.risk.risk,
            "level": analysis.risk.level.value,
            "reasons": list(analysis.risk.reasons),
            "abuse": analysis.abuse.score,
            "abusive": analysis.abuse.abusive,
            "abuse_reasons": list(analysis.abuse.reasons),
            "method": analysis.mentions_method,
        }
    )


def analysis_from_json(raw: str | bytes) -> Analysis:
    data: dict[str, Any] = json.loads(raw)
    return Analysis(
        RiskAssessment(float(data["risk"]), RiskLevel(data["level"]), tuple(data["reasons"])),
        AbuseVerdict(float(data["abuse"]), bool(data["abusive"]), tuple(data["abuse_reasons"])),
        mentions_method=bool(data["method"]),
    )
