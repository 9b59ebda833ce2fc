"""Explainable lexical rules: explicit crisis statements, method mentions, and the keyword baseline.

Every rule has a short reason that names a category and never quotes the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.assessment import RiskLevel

_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class LexicalHit:
    reason: str
    floor: RiskLevel
    """The least level this hit implies on its own (``NONE``: it only explains)."""


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", _FLAGS)


# Phrases that are first-person by construction ("kill myself", "my life").
_EXPLICIT = _rx(
    r"kill(?:ing)? my ?self",
    r"end(?:ing)? my (?:own )?life",
    r"(?:want|wanted|going|gonna|planning|plan|ready|decided|thinking about|thoughts of)"
    r" (?:to )?end(?:ing)? (?:it all|things|it)\b(?! up)",
    r"take my (?:own )?life",
    r"taking my (?:own )?life",
    r"(?:i'?m|i am|im|feeling|feel|been|being) (?:so |really |very )?suicidal",
    r"i (?:really |just |genuinely |honestly )?(?:want|wanna|wish) (?:to )?(?:die|be dead)",
    r"i (?:don'?t|do not) want to (?:be alive|live|exist|be here anymore)",
    r"(?:rather|better off) (?:be )?dead",
    r"no reason to (?:live|keep living|go on)",
    r"i'?m not safe tonight",
    r"i'?m going to end it",
)
# Further first-person statements, kept apart from _EXPLICIT so that the lexical features the
# crisis head was trained on (which name the reasons above) stay exactly as they were.
_WISH_DEAD = _rx(
    r"wish (?:i|i'?d) (?:was|were|had been) dead",
    r"i (?:just |really )?want to be dead",
    r"(?<!\d)(?<!\d )kms",
    r"unalive my ?self",
    r"(?:i'?ve|i have|i'?m|i am|im) (?:been )?(?:having|getting) (?:suicidal thoughts"
    r"|thoughts of (?:suicide|killing my ?self|ending it))",
    r"end it (?:all )?tonight",
)
# Means gathered by the writer, together with the intent they are for.
_MEANS_INTENT = _rx(
    r"(?:i|i'?ve|i have|i'?m|im|my)\b[^.!?]{0,40}"
    r"\b(?:enough|saved up|saving up|stockpil\w*|hoard\w*|stash\w*)\b[^.!?]{0,50}"
    r"\bto (?:end (?:it all|it|things|my life)|kill my ?self|not wake up)",
)
_SELF_HARM = _rx(
    r"cut(?:ting)? my ?self",
    r"(?:i'?ve|i have|i) (?:been |started |start )?(?:self[- ]?harm(?:ing|ed)?|cutting again)",
    r"hurt(?:ing)? my ?self (?:on purpose|deliberately|again)",
    r"burn(?:ed|t)? my(?:self| arm| skin) on purpose",
    r"relapsed",
)
_BURDEN = _rx(
    r"better off without me",
    r"(?:i'?m|i am) (?:just |such |nothing but )?a burden",
    r"(?:wouldn'?t|won'?t) miss me",
    r"easier (?:for them |for everyone )?if i (?:wasn'?t|weren'?t) (?:here|around|alive)",
)
_PASSIVE = _rx(
    r"(?:never|not) wake up",
    r"didn'?t wake up",
    r"want to disappear",
    r"(?:stopped caring|don'?t care) (?:whether|if) i live",
)
_GOODBYE = _rx(
    r"this is (?:my last message|goodbye)",
    r"won'?t (?:need|be needing) (?:them|it|any of it)",
    r"won'?t be (?:around|here) (?:after|much longer)",
)
# Reported speech, negation and figurative idioms that undo an explicit match.
_GUARD = _rx(
    r"(?:he|she|they|patient|colleague|friend|mate|son|daughter|husband|wife|partner|mum|dad)"
    r"\b[^.!?]{0,40}\b(?:said|says|saying|told|tells|texted|asked|disclosed)",
    r"(?:not|never|no longer) (?:feeling |been |being )?suicidal",
    r"(?:don'?t|do not|never) want to kill my ?self",
    r"(?:die|dying|died) (?:of|from) (?:embarrassment|shame|boredom|laughing)",
    r"if you(?:'re| are)? (?:feeling|thinking|having)",
)
_NEGATED_TAIL = re.compile(r"\b(?:not|n't|never)\b[^.!?]{0,12}$", _FLAGS)

_RULES: tuple[tuple[re.Pattern[str], LexicalHit], ...] = (
    (_EXPLICIT, LexicalHit("explicit statement of wanting to die", RiskLevel.CRISIS)),
    (_WISH_DEAD, LexicalHit("states a wish to be dead", RiskLevel.CRISIS)),
    (_MEANS_INTENT, LexicalHit("has gathered means to end their life", RiskLevel.CRISIS)),
    (_SELF_HARM, LexicalHit("describes self-harm", RiskLevel.CRISIS)),
    # On the domain training split these two never fired on a lookalike, so they raise the
    # level to at least concern (a supporter looks) rather than only explaining.
    (_BURDEN, LexicalHit("feels a burden to others", RiskLevel.CONCERN)),
    (_PASSIVE, LexicalHit("passive wish not to be alive", RiskLevel.CONCERN)),
    (_GOODBYE, LexicalHit("goodbye or giving things away", RiskLevel.NONE)),
)

_METHODS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "medication or overdose",
        _rx(
            r"insulin",
            r"potassium",
            r"kcl",
            r"morphine",
            r"oramorph",
            r"diamorphine",
            r"fentanyl",
            r"midazolam",
            r"propofol",
            r"ketamine",
            r"paracetamol",
            r"co-?codamol",
            r"amitriptyline",
            r"sertraline",
            r"zopiclone",
            r"diazepam",
            r"benzos?",
            r"opioids?",
            r"digoxin",
            r"pentobarb\w*",
            r"controlled drugs?",
            r"cd cupboard",
            r"overdos\w*",
            r"od",
            r"pills",
            r"tablets",
            r"lethal dose",
            r"\d+\s?(?:mg|g|ml|units|tablets|pills)",
        ),
    ),
    (
        "ligature or hanging",
        _rx(r"ligatures?", r"rope", r"noose", r"hang(?:ing)? my ?self", r"hanging"),
    ),
    (
        "height or jumping",
        _rx(
            r"jump(?:ing|ed)?",
            r"bridge",
            r"roof(?:top)?",
            r"multi[- ]?storey",
            r"cliff",
            r"top floor",
            r"throw my ?self",
        ),
    ),
    ("cutting or a blade", _rx(r"blade", r"razor", r"cut(?:ting)? my ?self", r"knife")),
    (
        "trains or traffic",
        _rx(r"train tracks", r"in front of a (?:train|lorry|bus|car)", r"crash the car"),
    ),
    (
        "other lethal means",
        _rx(r"gun", r"carbon monoxide", r"drown(?:ing)? my ?self", r"exhaust pipe"),
    ),
)

# A deliberately plain baseline: the keyword list most moderation tools start from.
_KEYWORDS = _rx(
    r"suicid\w*",
    r"kill(?:ing)? my ?self",
    r"end(?:ing)? my life",
    r"want(?:s)? to die",
    r"better off dead",
    r"self[- ]?harm\w*",
    r"cut(?:ting)? my ?self",
    r"overdos\w*",
    r"hang(?:ing)? my ?self",
    r"no reason to live",
    r"don'?t want to live",
)


def _guarded(text: str, match: re.Match[str]) -> bool:
    sentence_start = max(text.rfind(".", 0, match.start()), text.rfind("!", 0, match.start()))
    sentence = text[sentence_start + 1 : match.end() + 40]
    if _GUARD.search(sentence):
        return True
    return bool(_NEGATED_TAIL.search(text[sentence_start + 1 : match.start()]))


def crisis_hits(text: str) -> list[LexicalHit]:
    """The explicit crisis cues in ``text``, skipping reported speech and negations."""
    hits: list[LexicalHit] = []
    for pattern, hit in _RULES:
        match = pattern.search(text)
        if match and not _guarded(text, match):
            hits.append(hit)
    return hits


def method_reasons(text: str) -> list[str]:
    """Names of the kinds of self-harm method or means that ``text`` mentions."""
    return [f"names a method: {name}" for name, pattern in _METHODS if pattern.search(text)]


def keyword_match(text: str) -> bool:
    """The keyword baseline: any crisis keyword at all, with no context."""
    return _KEYWORDS.search(text) is not None
