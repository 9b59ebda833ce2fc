"""The ports the chat domain talks through. Storage and transport implement them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from server.domain.models import Invite, Role, Room, RoomMessage, User


class UserStore(Protocol):
    async def create(self, user: User, token_hash: str) -> None:
        """Store a new user; raises Conflict when the pseudonym is taken."""

    async def by_token_hash(self, token_hash: str) -> User | None: ...

    async def by_pseudonym(self, pseudonym: str) -> User | None: ...

    async def by_id(self, user_id: str) -> User | None: ...

    async def set_role(self, user_id: str, role: Role) -> None: ...


class InviteStore(Protocol):
    async def add(self, invites: Sequence[Invite]) -> None: ...

    async def claim(self, code_hash: str, now: datetime) -> Invite | None:
        """Atomically mark an unused, unexpired invite as used and return it."""

    async def release(self, code_hash: str) -> None:
        """Undo a claim whose registration then failed."""


class RoomStore(Protocol):
    async def seed(self, rooms: Sequence[Room]) -> None:
        """Create the rooms that do not exist yet; leave existing ones alone."""

    async def all(self, include_archived: bool = False) -> list[Room]: ...

    async def get(self, room_id: str) -> Room | None: ...

    async def create(self, room: Room) -> None: ...

    async def update(self, room_id: str, **fields: Any) -> Room | None: ...

    async def add_member(self, room_id: str, user_id: str) -> None: ...

    async def remove_member(self, room_id: str, user_id: str) -> None: ...

    async def is_member(self, room_id: str, user_id: str) -> bool: ...

    async def rooms_of(self, user_id: str) -> list[str]: ...


class MessageStore(Protocol):
    async def append(self, room_id: str, author: User, text: str, client_id: str) -> RoomMessage:
        """Give the message the room's next seq and store it durably before returning."""

    async def by_client_id(self, author_id: str, client_id: str) -> RoomMessage | None: ...

    async def get(self, message_id: str) -> RoomMessage | None: ...

    async def history(
        self, room_id: str, before_seq: int | None, after_seq: int | None, limit: int
    ) -> list[RoomMessage]:
        """Messages in ascending seq order."""


class Broadcaster(Protocol):
    """Fan-out to connected clients, in this process or across processes."""

    async def to_room(self, room_id: str, event: str, data: dict[str, Any]) -> None: ...

    async def to_user(self, user_id: str, event: str, data: dict[str, Any]) -> None: ...

    async def to_role(self, role: Role, event: str, data: dict[str, Any]) -> None:
        """Send to every connected user whose role is ``role`` or higher."""

    async def disconnect_user(self, user_id: str) -> None: ...


class RateLimiter(Protocol):
    async def hit(self, key: str, rate_per_s: float, burst: int) -> None:
        """Take one token from the bucket ``key``; raise RateLimited when it is empty."""


class MessageObserver(Protocol):
    """Work that follows a stored and delivered room message (classification, say)."""

    async def on_room_message(self, message: RoomMessage) -> None: ...


class SendGuard(Protocol):
    """A rule that may refuse a send before anything is stored (ban, timeout, lock...)."""

    async def check_send(self, user: User, room: Room) -> None: ...
