"""The chat domain's values: users, roles, rooms and room messages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from server.errors import ValidationError


class Role(IntEnum):
    """Roles in ascending order of trust: a higher role may do all a lower one may."""

    MEMBER = 1
    SUPPORTER = 2
    LEAD = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: object) -> Role:
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValidationError("role must be one of member, supporter, lead, admin")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class User:
    id: str
    pseudonym: str
    role: Role

    def public(self) -> dict[str, Any]:
        """What peers may see of a user: never the id behind the pseudonym."""
        return {"pseudonym": self.pseudonym, "role": self.role.label}


@dataclass(frozen=True)
class Room:
    id: str
    title: str
    description: str
    members: int = 0
    archived: bool = False
    locked: bool = False
    slowmode_s: int = 0

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "members": self.members,
            "locked": self.locked,
            "slowmode_s": self.slowmode_s,
        }


# What members see in place of a crisis message that names a method or means
# (safe-messaging practice: method detail must not spread).
MASK_NOTICE = (
    "This message has been hidden to keep the room safe. "
    "A peer lead is with the writer and will reach out."
)
HIDDEN_NOTICE = "This message is hidden while a supporter reviews it."


@dataclass(frozen=True)
class RoomMessage:
    id: str
    room: str
    seq: int
    author: User
    text: str | None
    ts: datetime
    client_id: str
    redacted: bool = False
    masked: bool = False
    hidden: bool = False

    def visible_to(self, viewer: User) -> RoomMessage:
        """The message as ``viewer`` may read it: supporters and above, and the author,
        see masked and hidden text; other members see a notice instead."""
        if not (self.masked or self.hidden) or viewer.role >= Role.SUPPORTER:
            return self
        if viewer.id == self.author.id:
            return self
        notice = MASK_NOTICE if self.masked else HIDDEN_NOTICE
        return replace(self, text=notice)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": self.id,
            "room": self.room,
            "seq": self.seq,
            "author": self.author.public(),
            "text": self.text,
            "ts": iso(self.ts),
            "client_id": self.client_id,
        }
        if self.redacted:
            wire["redacted"] = True
        if self.masked:
            wire["masked"] = True
        if self.hidden:
            wire["hidden"] = True
        return wire


@dataclass(frozen=True)
class Invite:
    code_hash: str
    role: Role
    expires_at: datetime
