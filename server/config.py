"""Settings, read once from the environment into a frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from server.errors import ConfigError

DEFAULT_CRISIS_LINES: tuple[tuple[str, str], ...] = (
    ("Samaritans", "Call 116 123, free, day or night"),
    ("SHOUT", "Text SHOUT to 85258"),
    ("NHS 111", "Call 111 and choose option 2 for mental health"),
    ("Emergency", "Call 999 if you or someone else is in immediate danger"),
)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("var")
    admin_token: str | None = None
    mongodb_url: str | None = None
    mongodb_db: str = "huddle"
    redis_url: str | None = None
    invite_ttl_s: int = 7 * 24 * 3600
    history_limit: int = 50
    send_rate_per_s: float = 2.0
    send_burst: int = 10
    event_rate_per_s: float = 20.0
    event_burst: int = 60
    register_rate_per_s: float = 0.2
    register_burst: int = 20
    escalation_sla_s: int = 120
    escalation_webhook: str | None = None
    dm_ttl_s: int = 14 * 24 * 3600
    franking_secret: str | None = None
    message_retention_days: int = 90
    classifier: str = "onnx"
    benchmark: bool = False
    crisis_lines: tuple[tuple[str, str], ...] = field(default=DEFAULT_CRISIS_LINES)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        settings = cls(
            host=env.get("HUDDLE_HOST", "127.0.0.1"),
            port=_int(env, "HUDDLE_PORT", 8080),
            data_dir=Path(env.get("HUDDLE_DATA_DIR", "var")),
            admin_token=_optional(env, "HUDDLE_ADMIN_TOKEN"),
            mongodb_url=_optional(env, "MONGODB_URL"),
            mongodb_db=env.get("HUDDLE_MONGODB_DB", "huddle"),
            redis_url=_optional(env, "REDIS_URL"),
            invite_ttl_s=_int(env, "HUDDLE_INVITE_TTL_S", 7 * 24 * 3600, minimum=60),
            send_rate_per_s=_float(env, "HUDDLE_SEND_RATE_PER_S", 2.0),
            send_burst=_int(env, "HUDDLE_SEND_BURST", 10, minimum=1),
            event_rate_per_s=_float(env, "HUDDLE_EVENT_RATE_PER_S", 20.0),
            event_burst=_int(env, "HUDDLE_EVENT_BURST", 60, minimum=1),
            register_rate_per_s=_float(env, "HUDDLE_REGISTER_RATE_PER_S", 0.2),
            register_burst=_int(env, "HUDDLE_REGISTER_BURST", 20, minimum=1),
            escalation_sla_s=_int(env, "HUDDLE_ESCALATION_SLA_S", 120, minimum=1),
            escalation_webhook=_optional(env, "HUDDLE_ESCALATION_WEBHOOK"),
            dm_ttl_s=_int(env, "HUDDLE_DM_TTL_S", 14 * 24 * 3600, minimum=60),
            franking_secret=_optional(env, "HUDDLE_FRANKING_SECRET"),
            message_retention_days=_int(env, "HUDDLE_MESSAGE_RETENTION_DAYS", 90, minimum=1),
            classifier=env.get("HUDDLE_CLASSIFIER", "onnx"),
            benchmark=_flag(env, "HUDDLE_BENCHMARK"),
        )
        if settings.classifier == "noop" and not settings.benchmark:
            raise ConfigError(
                "HUDDLE_CLASSIFIER=noop is for benchmarks only: set HUDDLE_BENCHMARK=1"
            )
        return settings
