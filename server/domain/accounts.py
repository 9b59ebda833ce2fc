"""Invites, registration and authentication."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from server.domain.models import Invite, Role, User, utcnow
from server.domain.ports import InviteStore, UserStore
from server.domain.pseudonyms import generate_pseudonym, validate_pseudonym
from server.errors import Conflict, NotFound, Unauthorized, ValidationError

MAX_INVITES_PER_REQUEST = 500
_PSEUDONYM_ATTEMPTS = 8


def secret_hash(secret: str) -> str:
    """Tokens and invite codes are stored only as this hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_invite_code() -> str:
    raw = secrets.token_hex(8).upper()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class Registration:
    user: User
    token: str


class AccountService:
    def __init__(self, users: UserStore, invites: InviteStore, invite_ttl_s: int) -> None:
        self._users = users
        self._invites = invites
        self._invite_ttl = timedelta(seconds=invite_ttl_s)

    async def create_invites(self, role: Role, count: int) -> list[str]:
        if not 1 <= count <= MAX_INVITES_PER_REQUEST:
            raise ValidationError(f"count must be between 1 and {MAX_INVITES_PER_REQUEST}")
        expires_at = utcnow() + self._invite_ttl
        codes = [_new_invite_code() for _ in range(count)]
        await self._invites.add([Invite(secret_hash(c), role, expires_at) for c in codes])
        return codes

    async def register(self, invite_code: str, pseudonym: str | None) -> Registration:
        if pseudonym is not None:
            validate_pseudonym(pseudonym)
            if await self._users.by_pseudonym(pseudonym) is not None:
                raise Conflict("that pseudonym is taken; choose another")
        code_hash = secret_hash(invite_code.strip().upper())
        invite = await self._invites.claim(code_hash, utcnow())
        if invite is None:
            raise Unauthorized("this invite code is unknown, already used or expired")
        try:
            return await self._create_user(invite.role, pseudonym)
        except BaseException:
            await self._invites.release(code_hash)
            raise

    async def _create_user(self, role: Role, pseudonym: str | None) -> Registration:
        token = secrets.token_urlsafe(32)
        for _ in range(_PSEUDONYM_ATTEMPTS if pseudonym is None else 1):
            user = User(secrets.token_hex(12), pseudonym or generate_pseudonym(), role)
            try:
                await self._users.create(user, secret_hash(token))
            except Conflict:
                if pseudonym is not None:
                    raise
                continue
            return Registration(user, token)
        raise Conflict("could not find a free pseudonym; try again")

    async def authenticate(self, token: object) -> User:
        if not isinstance(token, str) or not 16 <= len(token) <= 128:
            raise Unauthorized("a valid token is required")
        user = await self._users.by_token_hash(secret_hash(token))
        if user is None:
            raise Unauthorized("a valid token is required")
        return user

    async def refresh(self, user: User) -> User:
        """The user as stored now (its role may have changed); Unauthorized if gone."""
        current = await self._users.by_id(user.id)
        if current is None:
            raise Unauthorized("this account no longer exists")
        return current

    async def grant(self, pseudonym: str, role: Role) -> tuple[User, Role]:
        """Set a user's role; returns the updated user and the role it replaced."""
        user = await self._users.by_pseudonym(pseudonym)
        if user is None:
            raise NotFound("no user has that pseudonym")
        await self._users.set_role(user.id, role)
        return User(user.id, user.pseudonym, role), user.role
