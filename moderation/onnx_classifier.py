"""The shipped analyzer: ONNX sentence encoder, numpy heads, and the lexical layer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.assessment import AbuseVerdict, Analysis, RiskAssessment, RiskLevel
from moderation.classifier import Thresholds
from moderation.encoder import OnnxSentenceEncoder
from moderation.features import feature_matrix
from moderation.heads import Array, Heads
from moderation.lexicon import crisis_hits, method_reasons
from moderation.model_files import HEADS_FILE, MODEL_DIR

MAX_CHARS = 4000
"""Far beyond 256 tokens; cutting here keeps tokenising a huge paste cheap."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

KIND_REASONS = {
    "explicit_ideation": "model: suicidal thoughts",
    "plan": "model: a plan or timing",
    "means_at_work": "model: access to means",
    "goodbye_giving_away": "model: goodbyes or giving things away",
    "burden": "model: feeling a burden",
    "guilt_patient_death": "model: guilt after a patient's death",
    "self_harm": "model: self-harm",
    "passive_ideation": "model: passive wish to die",
}


def clean_text(text: str) -> str:
    return _CONTROL.sub(" ", text[:MAX_CHARS]).strip()


@dataclass(frozen=True)
class Scores:
    crisis: Array
    abuse: Array
    plain: Array
    kinds: list[str]


class OnnxAnalyzer:
    """Crisis risk, abuse and method mentions from one encoder pass per text."""

    def __init__(
        self,
        encoder: OnnxSentenceEncoder,
        heads: Heads,
        thresholds: Thresholds,
        use_lexical: bool = True,
    ) -> None:
        self._encoder = encoder
        self._heads = heads
        self.thresholds = thresholds
        self.use_lexical = use_lexical

    @classmethod
    def from_model_dir(cls, model_dir: Path = MODEL_DIR, threads: int = 1) -> OnnxAnalyzer:
        encoder = OnnxSentenceEncoder(model_dir, threads=threads)
        heads = Heads.load(model_dir / HEADS_FILE)
        return cls(encoder, heads, Thresholds.from_env(model_dir=model_dir))

    def scores(self, texts: Sequence[str]) -> Scores:
        """Raw head outputs (no lexical layer); empty texts score zero."""
        cleaned = [clean_text(t) for t in texts]
        live = [i for i, t in enumerate(cleaned) if t]
        crisis = np.zeros(len(texts), dtype=np.float32)
        abuse = np.zeros(len(texts), dtype=np.float32)
        plain = np.zeros(len(texts), dtype=np.float32)
        kinds = ["" for _ in texts]
        if live:
            live_texts = [cleaned[i] for i in live]
            emb = self._encoder.encode(live_texts)
            combined = np.hstack([emb, feature_matrix(live_texts)])
            crisis[live] = self._heads.crisis.predict(combined)
            abuse[live] = self._heads.abuse.predict(emb)
            plain[live] = self._heads.plain.predict(emb)
            for i, kind in zip(live, self._heads.prototypes.nearest(emb), strict=True):
                kinds[i] = kind
        return Scores(crisis, abuse, plain, kinds)

    def _risk(self, text: str, model_risk: float, kind: str) -> RiskAssessment:
        hits = crisis_hits(text) if self.use_lexical else []
        floor = max((self.thresholds.floor(h.floor) for h in hits), default=0.0)
        risk = max(model_risk, floor)
        level = self.thresholds.level(risk)
        if level is RiskLevel.NONE:
            return RiskAssessment(risk, level)
        reasons = [h.reason for h in hits]
        if model_risk >= self.thresholds.concern and kind in KIND_REASONS:
            reasons.append(KIND_REASONS[kind])
        reasons.extend(method_reasons(text)[:1])
        return RiskAssessment(risk, level, tuple(dict.fromkeys(reasons))[:4])

    def _abuse(self, score: float) -> AbuseVerdict:
        abusive = score >= self.thresholds.abuse
        return AbuseVerdict(score, abusive, ("abusive or offensive language",) if abusive else ())

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        s = self.scores(texts)
        return [
            Analysis(
                self._risk(clean_text(text), float(s.crisis[i]), s.kinds[i]),
                self._abuse(float(s.abuse[i])),
                bool(method_reasons(clean_text(text))),
            )
            for i, text in enumerate(texts)
        ]

    def assess(self, texts: Sequence[str]) -> list[RiskAssessment]:
        return [a.risk for a in self.analyze(texts)]
