"""Moderation settings: crisis lines per organisation, classifier mode, SLA and webhook."""

from __future__ import annotations

import json

import pytest

from server.config import DEFAULT_CRISIS_LINES, Settings
from server.errors import ConfigError


def test_defaults_offer_the_uk_crisis_lines_and_a_two_minute_sla() -> None:
    settings = Settings.from_env({})
    text = json.dumps(settings.crisis_lines)
    for line in ("116 123", "85258", "option 2", "999"):
        assert line in text
    assert settings.crisis_lines == DEFAULT_CRISIS_LINES
    assert settings.escalation_sla_s == 120 and settings.escalation_webhook is None
    assert settings.classifier_mode == "thread"


def test_an_organisation_sets_its_own_crisis_lines() -> None:
    lines = [{"name": "Staff wellbeing hub", "text": "Call 0800 000 000"}]
    settings = Settings.from_env({"HUDDLE_CRISIS_LINES": json.dumps(lines)})
    assert settings.crisis_lines == (("Staff wellbeing hub", "Call 0800 000 000"),)


@pytest.mark.parametrize(
    "env",
    [
        {"HUDDLE_CRISIS_LINES": "not json"},
        {"HUDDLE_CRISIS_LINES": "[]"},
        {"HUDDLE_CRISIS_LINES": '[{"name": "x"}]'},
        {"HUDDLE_CLASSIFIER_MODE": "cloud"},
        {"HUDDLE_CLASSIFIER_MODE": "worker"},  # needs REDIS_URL
        {"HUDDLE_ESCALATION_SLA_S": "0"},
    ],
)
def test_bad_moderation_settings_are_refused_at_start(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_worker_mode_with_redis() -> None:
    settings = Settings.from_env({"HUDDLE_CLASSIFIER_MODE": "worker", "REDIS_URL": "redis://r"})
    assert settings.classifier_mode == "worker"
