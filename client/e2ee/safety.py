"""Safety numbers: 60 digits two people compare to check that no one sits between them."""

from __future__ import annotations

from client.e2ee import primitives as p
from client.e2ee.keys import PublicIdentity

VERSION = b"\x00\x00"
ITERATIONS = 5200


def fingerprint(identity: PublicIdentity) -> str:
    """30 digits for one identity: SHA-512 iterated 5200 times, read as six 5-digit groups."""
    key = identity.encode()
    digest = VERSION + key
    for _ in range(ITERATIONS):
        digest = p.sha512(digest + key)
    return "".join(
        f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5)
    )


def safety_number(a: PublicIdentity, b: PublicIdentity) -> str:
    """The same 60 digits on both sides: the two fingerprints, smaller first."""
    return "".join(sorted((fingerprint(a), fingerprint(b))))


def formatted(number: str) -> str:
    return " ".join(number[i : i + 5] for i in range(0, len(number), 5))
