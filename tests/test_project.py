"""The project's shape: layout, set-up commands, pinned dependencies, settings, compose file."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from server.config import Settings
from server.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def test_top_level_layout() -> None:
    for name in ("server", "moderation", "web", "client", "tests", "bench", "docs"):
        assert (REPO / name).is_dir(), name
    for name in ("docker-compose.yml", "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (REPO / name).is_file(), name
    assert "make test" in (REPO / ".ci/run").read_text()


def test_readme_opens_with_make_run_and_make_test() -> None:
    readme = (REPO / "README.md").read_text()
    first_block = re.search(r"```(?:\w+)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    assert first_block.group(1).split("\n")[:2] == ["make run", "make test"]


def test_makefile_has_install_run_test_and_a_dependency_stamp() -> None:
    makefile = (REPO / "Makefile").read_text()
    for target in ("install:", "run:", "test:", "train:", "bench:"):
        assert re.search(rf"^{target}", makefile, re.M), target
    assert "sha256sum pyproject.toml" in makefile


def test_every_dependency_is_pinned() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    for requirement in requirements:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.+]*", requirement), requirement
    assert not any(r.startswith("motor") for r in requirements)
    torch = [r for r in requirements if r.startswith("torch")]
    assert torch in ([], ["torch==2.13.0"])


def test_settings_defaults_are_read_once_into_a_frozen_object() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, str(settings.data_dir)) == ("127.0.0.1", 8080, "var")
    assert settings.mongodb_url is None and settings.redis_url is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]
    custom = Settings.from_env(
        {"HUDDLE_PORT": "9000", "MONGODB_URL": "mongodb://db", "REDIS_URL": "redis://r"}
    )
    assert (custom.port, custom.mongodb_url, custom.redis_url) == (
        9000,
        "mongodb://db",
        "redis://r",
    )


@pytest.mark.parametrize(
    "env",
    [{"HUDDLE_PORT": "eighty"}, {"HUDDLE_SEND_BURST": "0"}, {"HUDDLE_CLASSIFIER": "noop"}],
)
def test_bad_settings_are_refused_at_start(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


def test_the_noop_classifier_needs_the_benchmark_flag() -> None:
    settings = Settings.from_env({"HUDDLE_CLASSIFIER": "noop", "HUDDLE_BENCHMARK": "1"})
    assert settings.classifier == "noop" and settings.benchmark


def _compose_command() -> list[str] | None:
    if shutil.which("docker") is None:
        return None
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_file_validates() -> None:
    compose = _compose_command()
    if compose is None:
        pytest.skip("no docker client with compose on this machine")
    env = {"HUDDLE_ADMIN_TOKEN": "validation-only", "PATH": "/usr/bin:/bin:/usr/local/bin"}
    checked = subprocess.run(
        [*compose, "config", "-q"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    services = subprocess.run(
        [*compose, "config", "--services"], cwd=REPO, env=env, capture_output=True, text=True
    ).stdout.split()
    assert {"mongo", "redis", "huddle-1", "huddle-2", "nginx"} <= set(services)
    text = (REPO / "docker-compose.yml").read_text()
    assert "--replSet" in text and "deploy/nginx.conf" in text
    assert "Upgrade $http_upgrade" in (REPO / "deploy/nginx.conf").read_text()
