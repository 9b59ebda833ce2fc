"""Friendly, unguessable-enough pseudonyms such as ``QuietHeron-42``."""

from __future__ import annotations

import re
import secrets

from server.errors import ValidationError

ADJECTIVES = (
    "Quiet", "Gentle", "Steady", "Bright", "Calm", "Kind", "Brave", "Warm", "Patient", "Hopeful",
    "Silver", "Amber", "Misty", "Sunny", "Swift", "Still", "Wise", "Mellow", "Bold", "Tender",
)  # fmt: skip
ANIMALS = (
    "Heron", "Otter", "Robin", "Badger", "Wren", "Hare", "Finch", "Owl", "Fox", "Seal",
    "Kestrel", "Lark", "Puffin", "Swan", "Deer", "Dove", "Vole", "Curlew", "Plover", "Stoat",
)  # fmt: skip

PSEUDONYM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{2,31}$")


def generate_pseudonym() -> str:
    return f"{secrets.choice(ADJECTIVES)}{secrets.choice(ANIMALS)}-{secrets.randbelow(90) + 10}"


def validate_pseudonym(value: object) -> str:
    if not isinstance(value, str) or not PSEUDONYM_RE.match(value):
        raise ValidationError(
            "pseudonym must be 3-32 characters: letters, digits, '-' or '_', starting with a letter"
        )
    return value
