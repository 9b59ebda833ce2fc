"""Property-based: any interleaving of sends, any delivery order, drops and duplicates."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from client.e2ee import envelope as env
from client.e2ee.errors import DecryptError
from client.e2ee.sessions import SecureSessions
from tests.e2ee.test_sessions import bundle_of

# Each round: who sends how many, then which of everything still in flight is delivered.
rounds = st.lists(
    st.tuples(st.sampled_from(["alice", "bob"]), st.integers(1, 4), st.randoms()),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(rounds=rounds, duplicate=st.booleans())
def test_every_delivered_message_opens_once_to_its_text(
    rounds: list[tuple[str, int, random.Random]], duplicate: bool
) -> None:
    alice, bob = SecureSessions.create(), SecureSessions.create()
    alice.start("bob", bundle_of(bob))
    people = {"alice": alice, "bob": bob}
    other = {"alice": "bob", "bob": "alice"}
    flight: list[tuple[str, str, dict[str, Any]]] = []
    counter = 0
    bob_heard = False
    for who, count, rnd in rounds:
        if who == "bob" and not bob_heard:
            who = "alice"  # Bob cannot send before Alice's first message reaches him
        for _ in range(count):
            text = f"{who}-{counter}"
            counter += 1
            out = people[who].encrypt(other[who], text)
            flight.append((other[who], text, json.loads(json.dumps(out.envelope.to_json()))))
        rnd.shuffle(flight)
        cut = rnd.randint(0, len(flight))
        delivered, flight = flight[:cut], flight[cut:]
        for to, text, wire in delivered:
            sender = other[to]
            got = people[to].decrypt(sender, env.parse(wire))
            assert got.text == text
            bob_heard = bob_heard or to == "bob"
            if duplicate:
                try:
                    people[to].decrypt(sender, env.parse(wire))
                except DecryptError:
                    pass
                else:
                    raise AssertionError("a duplicate was accepted")
    for to, text, wire in flight:  # late deliveries still open
        assert people[to].decrypt(other[to], env.parse(wire)).text == text
