"""Hand-made cues that sentence embeddings blur: who is speaking, clinical register, jokes.

They sit beside the embedding as extra head inputs, so the head can tell "I want to die"
from "the patient said he wants to die" or "this rota is killing me lol".
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from moderation.lexicon import crisis_hits

_F = re.IGNORECASE
FEATURE_SCALE = 3.0
"""Embeddings are unit-length, so binary cues are scaled up to matter to the head."""

_CUES: tuple[re.Pattern[str], ...] = (
    # The writer speaking about themself.
    re.compile(r"\b(?:i|i'm|im|me|my|myself|i've|ive|i'd|i'll|mine)\b", _F),
    # Someone else: patients, colleagues, family.
    re.compile(
        r"\b(?:he|she|they|him|her|them|his|hers|patients?|pt|colleagues?|bed \d+|bay \d+|family"
        r"|relatives?|friend|mate|students?|husband|wife|sister|brother|son|daughter|reg|f1|hca)\b",
        _F,
    ),
    # Clinical and teaching register.
    re.compile(
        r"\b(?:admissions?|admitted|assessments?|obs|ward round|referr\w*|liaison|antidote|protocol"
        r"|policy|guidance|training|audit|nac|itu|resus|datix|teaching|pronounced|verified"
        r"|verification|documented|escalated|crash call|trauma call|overnight|guidelines?"
        r"|revision|exam|course|sectioned|safeguarding)\b",
        _F,
    ),
    # Jokes and idioms.
    re.compile(
        r"(?:\blol\b|\bhaha+\b|😂|🤣|\bjk\b|\blmao\b|killing me|death of me|kill me now|shoot me"
        r"|dying for|die of embarrassment|dead on my feet|\bliterally\b)",
        _F,
    ),
    # Changing jobs rather than leaving life.
    re.compile(
        r"\b(?:notice|resign\w*|new job|moving to|leaving do|retir\w*|farewell|new post"
        r"|starting at|band \d|maternity leave)\b",
        _F,
    ),
    # Speaking to others: outreach and support, not disclosure.
    re.compile(
        r"\b(?:you|your|you're|yourselves|yourself|anyone|anybody|everyone|reach out|dm me"
        r"|message me|samaritans|111|crisis line|not alone)\b",
        _F,
    ),
    re.compile(r"\?"),
    re.compile(
        r"\b(?:how do i|what do i|should i|anyone know|does anyone|any tips|is it ok)\b", _F
    ),
)
_HIT_NAMES = ("wanting to die", "self-harm", "burden", "passive", "goodbye")
FEATURE_COUNT = 2 * len(_CUES) + len(_HIT_NAMES)


def lexical_features(text: str) -> npt.NDArray[np.float32]:
    words = max(len(text.split()), 1)
    values: list[float] = []
    for cue in _CUES:
        count = len(cue.findall(text))
        values += [min(count, 3) / 3.0, min(count / words, 1.0)]
    reasons = " ".join(hit.reason for hit in crisis_hits(text))
    values += [float(name in reasons) for name in _HIT_NAMES]
    return np.asarray(values, dtype=np.float32) * FEATURE_SCALE


def feature_matrix(texts: list[str]) -> npt.NDArray[np.float32]:
    if not texts:
        return np.zeros((0, FEATURE_COUNT), dtype=np.float32)
    return np.stack([lexical_features(t) for t in texts])
