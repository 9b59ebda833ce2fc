"""What the classifiers say about one text: crisis risk, abuse, and whether it names a method."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class RiskLevel(StrEnum):
    """``crisis`` pages a peer lead now; ``concern`` asks a supporter to look."""

    NONE = "none"
    CONCERN = "concern"
    CRISIS = "crisis"


@dataclass(frozen=True)
class RiskAssessment:
    risk: float
    level: RiskLevel
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "risk": round(self.risk, 4),
            "level": self.level.value,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class AbuseVerdict:
    """Abusive language aimed at others; ``abusive`` hides the message pending review."""

    score: float
    abusive: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Analysis:
    """Everything the moderation pipeline needs to know about one room message.

    ``mentions_method`` is true when the text names a method or means of self-harm
    (drugs and doses, ligatures, heights): safe-messaging practice masks such text
    from the room when the message is also a crisis.
    """

    risk: RiskAssessment
    abuse: AbuseVerdict = field(default_factory=lambda: AbuseVerdict(0.0, False))
    mentions_method: bool = False
