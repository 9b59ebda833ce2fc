"""Every client event's payload as a frozen dataclass, and the parsers that build them.

Parsers do no I/O and raise exactly one error type, ``ValidationError`` (or its
subclass ``TooLarge``), with a message that names the field but never echoes
what the client sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.errors import TooLarge, ValidationError

MAX_TEXT_CHARS = 4000
MAX_HISTORY_LIMIT = 200
ROOM_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,47}$")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_SEQ = 2**53


class Fields:
    """Typed access to a payload's fields, each check raising ValidationError."""

    def __init__(self, payload: object, allow_none: bool = False) -> None:
        if payload is None and allow_none:
            payload = {}
        if not isinstance(payload, Mapping):
            raise ValidationError("payload must be a JSON object")
        self._data: Mapping[Any, Any] = payload

    def _get(self, name: str, required: bool) -> Any:
        value = self._data.get(name)
        if value is None and required:
            raise ValidationError(f"'{name}' is required")
        return value

    def value(self, name: str, required: bool = True) -> Any:
        """The raw value, for nested objects and lists that a caller checks itself."""
        return self._get(name, required)

    def text(self, name: str, max_chars: int = MAX_TEXT_CHARS, required: bool = True) -> str:
        value = self._get(name, required)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(f"'{name}' must be a string")
        if len(value) > max_chars:
            raise TooLarge(f"'{name}' is longer than {max_chars} characters")
        if required and not value.strip():
            raise ValidationError(f"'{name}' must not be empty")
        return value

    def matching(self, name: str, pattern: re.Pattern[str], what: str) -> str:
        value = self._get(name, True)
        if not isinstance(value, str) or not pattern.match(value):
            raise ValidationError(f"'{name}' must be {what}")
        return value

    def optional_matching(self, name: str, pattern: re.Pattern[str], what: str) -> str | None:
        if self._get(name, False) is None:
            return None
        return self.matching(name, pattern, what)

    def integer(
        self, name: str, low: int, high: int, required: bool = True, default: int | None = None
    ) -> int | None:
        value = self._get(name, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"'{name}' must be an integer from {low} to {high}")
        return value

    def boolean(self, name: str) -> bool:
        value = self._get(name, True)
        if not isinstance(value, bool):
            raise ValidationError(f"'{name}' must be true or false")
        return value

    def room(self, name: str = "room") -> str:
        return self.matching(name, ROOM_ID_RE, "a room id (lowercase letters, digits and '-')")


@dataclass(frozen=True)
class RoomRef:
    room: str


@dataclass(frozen=True)
class RoomSend:
    room: str
    text: str
    client_id: str


@dataclass(frozen=True)
class HistoryQuery:
    room: str
    before_seq: int | None
    after_seq: int | None
    limit: int


def parse_room_ref(payload: object) -> RoomRef:
    return RoomRef(Fields(payload).room())


def parse_room_send(payload: object) -> RoomSend:
    fields = Fields(payload)
    return RoomSend(
        room=fields.room(),
        text=fields.text("text"),
        client_id=fields.matching("client_id", CLIENT_ID_RE, "1-64 letters, digits or _.:-"),
    )


def parse_history(payload: object) -> HistoryQuery:
    fields = Fields(payload)
    query = HistoryQuery(
        room=fields.room(),
        before_seq=fields.integer("before_seq", 1, MAX_SEQ, required=False),
        after_seq=fields.integer("after_seq", 0, MAX_SEQ, required=False),
        limit=fields.integer("limit", 1, MAX_HISTORY_LIMIT, required=False, default=50) or 50,
    )
    return query


def parse_empty(payload: object) -> None:
    Fields(payload, allow_none=True)


@dataclass(frozen=True)
class InviteRequest:
    role: str
    count: int


@dataclass(frozen=True)
class RegisterRequest:
    invite: str
    pseudonym: str | None


@dataclass(frozen=True)
class NewRoom:
    id: str
    title: str
    description: str


def parse_invite_request(payload: object) -> InviteRequest:
    fields = Fields(payload)
    role = fields.text("role", max_chars=16)
    count = fields.integer("count", 1, 500, required=False, default=1)
    return InviteRequest(role=role, count=count or 1)


def parse_register(payload: object) -> RegisterRequest:
    fields = Fields(payload)
    invite = fields.text("invite", max_chars=64)
    pseudonym = fields.text("pseudonym", max_chars=32, required=False) or None
    return RegisterRequest(invite=invite, pseudonym=pseudonym)


def parse_new_room(payload: object) -> NewRoom:
    fields = Fields(payload)
    return NewRoom(
        id=fields.room("id"),
        title=fields.text("title", max_chars=80),
        description=fields.text("description", max_chars=300),
    )
