"""Loading the JSON test vectors, and a key source that replays their fixed keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from client.e2ee.encoding import b64d
from client.e2ee.keys import IdentityKeys
from client.e2ee.sessions import SecureSessions

VECTORS = Path(__file__).parent.parent / "vectors"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text())
    return data


def x25519(text: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(b64d(text))


class QueueSource:
    """Hands out exactly the keys and random values a vector lists, in order."""

    def __init__(self, x25519_keys: list[str], randoms: list[str]) -> None:
        self._x = list(x25519_keys)
        self._r = list(randoms)

    def x25519(self) -> X25519PrivateKey:
        return x25519(self._x.pop(0))

    def ed25519(self) -> Ed25519PrivateKey:
        raise AssertionError("vectors never draw a fresh Ed25519 key after set-up")

    def random(self, n: int) -> bytes:
        value = b64d(self._r.pop(0))
        assert len(value) == n
        return value


def party(keys: dict[str, Any]) -> SecureSessions:
    identity = IdentityKeys(
        x25519(keys["ik_dh"]), Ed25519PrivateKey.from_private_bytes(b64d(keys["ik_sig"]))
    )
    return SecureSessions(
        identity=identity,
        spk_id=keys["spk_id"],
        spks={keys["spk_id"]: x25519(keys["spk"])},
        opks={o["id"]: x25519(o["priv"]) for o in keys["opks"]},
        next_opk_id=keys["next_opk_id"],
        source=QueueSource(keys["x25519"], keys["random"]),
    )
