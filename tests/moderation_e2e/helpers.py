"""Shared pieces of the moderation end-to-end tests: texts, rooms and assertions.

The texts are chosen for what the shipped classifier (HUDDLE_CLASSIFIER=onnx, the
default) says about them; tests/moderation/test_model_contract.py checks that it still
says so, so a retrained model that changes its mind fails there first, clearly.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import statistics
import urllib.request
from typing import Any

from client import HuddleClient, HuddleClientError
from tests.servers import ADMIN_TOKEN

CRISIS = "I am going to end it all tonight"
CRISIS_WITH_METHOD = "I want to kill myself tonight, I have saved up 40 paracetamol"
# Weariness that may or may not be risk: concern, not crisis. The lexical burden rule sets the
# level and the model scores the line low (the batches-1-26 model 0.008, the batches-1-25
# model 0.003, the batches-1-24 model 0.04, the batches-1-23 models 0.06 and 0.09, the
# batches-1-22 models 0.35 and 0.02), so retraining is unlikely to move it. Lines the
# model alone puts at concern drift:
# "Some days I wonder what the point of carrying on is", this test's line until batch 23,
# scored 0.993 and 0.985 (crisis) on the batches-1-23 models and 0.86, 0.88 and 0.85
# (concern) on the batches-1-24 to 1-26 models.
CONCERN = "I'm such a burden to my family at the moment"
ABUSIVE = "You are a fucking idiot and a useless bitch"
SAFE = "Great shift today, the team was lovely"
# A peer lead's open offer that the model reads as a disclosure (crisis level). Retraining
# moves which outreach it misreads: "Anyone who feels like ending it all tonight, message
# me, I am here until 8." was crisis for batches 1-16, passed the first batches-1-22 release
# (0.79), is concern for the second (0.977) and for both batches-1-23 models (one seed
# 0.879, two seeds 0.974), and crisis again for the batches-1-24 to 1-26 models (0.993,
# 0.974, 0.991).
OUTREACH = "If anyone is planning to end it tonight, please DM me, I'm up till 8."


def new_room(base_url: str) -> str:
    """A room of the test's own, so locks and slow mode touch no other test."""
    room_id = "t-" + secrets.token_hex(5)
    body = {"id": room_id, "title": "Test room", "description": "for one test"}
    request = urllib.request.Request(
        base_url + "/api/rooms",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        return room_id


async def join_all(room: str, *clients: HuddleClient) -> None:
    for client in clients:
        await client.join(room)


async def error_code(client: HuddleClient, event: str, payload: Any = None) -> str:
    ack = await client.request(event, payload)
    assert isinstance(ack, dict) and ack["ok"] is False, ack
    assert ack["error"]["message"]
    code: str = ack["error"]["code"]
    return code


async def escalation_for(lead: HuddleClient, message_id: str, timeout: float = 15.0) -> Any:
    return await lead.next_event(
        "escalation:new", timeout=timeout, where=lambda e: e["message_id"] == message_id
    )


async def nothing(client: HuddleClient, event: str, where: Any, wait: float = 1.5) -> None:
    """Assert that ``event`` (matching ``where``) does not arrive within ``wait`` seconds."""
    try:
        data = await client.next_event(event, timeout=wait, where=where)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected {event}: {data}")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p99_ms": round(percentile(samples, 99) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


async def call_all(event: str, payload: Any, *clients: HuddleClient) -> list[Any]:
    return list(await asyncio.gather(*(c.request(event, payload) for c in clients)))


__all__ = ["HuddleClientError"]
