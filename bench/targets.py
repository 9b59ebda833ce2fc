"""Servers under test: how to start one (or two behind Redis), provision users, and stop it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_json(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 30.0
) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} not healthy after {timeout}s")


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class RedisServer:
    """A private redis-server on a free port, with persistence off."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Provisioned:
    rooms: list[str]
    auths: list[dict[str, Any] | None]
    lead_auth: dict[str, Any] | None = None


@dataclass
class Target:
    """One server under test: one process, or several sharing a Redis manager."""

    name: str
    processes: int = 1
    redis: bool = False
    env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis_server: RedisServer | None = None
    log_dir: Path | None = None

    def command(self, port: int, index: int) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def start(self, profile_dir: Path | None = None) -> None:
        if self.redis or self.processes > 1:
            self.redis_server = RedisServer()
        self.log_dir = Path(tempfile.mkdtemp(prefix=f"bench-{self.name}-"))
        for index in range(self.processes):
            port = free_port()
            cmd, env = self.command(port, index)
            log = open(self.log_dir / f"server-{index}.log", "wb")
            cwd = getattr(self, "source", None) or ROOT
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
            self.ports.append(port)
            self.procs.append(proc)
            # One at a time: a second Huddle on the same data dir shares the first's store.
            wait_healthy(port, proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def provision(self, clients: int, rooms: int) -> Provisioned:
        raise NotImplementedError

    def log_tail(self, lines: int = 20) -> str:
        if self.log_dir is None:
            return ""
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            out.append(f"--- {path.name}")
            out.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(out)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop_process(proc)
        if self.redis_server is not None:
            self.redis_server.stop()


@dataclass
class BaselineTarget(Target):
    gc_thresholds: str | None = None

    def command(self, port: int, index: int) -> tuple[list[str], dict[str, str]]:
        probe = os.environ.get("BENCH_BASELINE_WRAPPER")
        cmd = [sys.executable, probe] if probe else [sys.executable, "-m", "bench.baseline_server"]
        cmd += ["--port", str(port)]
        if self.redis_server is not None:
            cmd += ["--redis-url", self.redis_server.url]
        if self.gc_thresholds:
            cmd += ["--gc-thresholds", self.gc_thresholds]
        return cmd, {**os.environ, **self.env}

    def provision(self, clients: int, rooms: int) -> Provisioned:
        return Provisioned([f"room-{r}" for r in range(rooms)], [None] * clients)


# Limits raised so that the bench measures the chat path, not the abuse controls.
HUDDLE_BENCH_ENV = {
    "HUDDLE_BENCHMARK": "1",
    "HUDDLE_CLASSIFIER": "noop",
    "HUDDLE_SEND_RATE_PER_S": "1000",
    "HUDDLE_SEND_BURST": "1000",
    "HUDDLE_EVENT_RATE_PER_S": "1000",
    "HUDDLE_EVENT_BURST": "1000",
    "HUDDLE_REGISTER_RATE_PER_S": "100000",
    "HUDDLE_REGISTER_BURST": "100000",
    "HUDDLE_LOG_LEVEL": "WARNING",
}


@dataclass
class HuddleTarget(Target):
    """Huddle itself (``huddle serve``), persistence on, on a fresh data dir."""

    data_dir: Path | None = None
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    # Another checkout (with its own .venv) to run instead of this one: before/after runs.
    source: Path | None = None

    def command(self, port: int, index: int) -> tuple[list[str], dict[str, str]]:
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="bench-huddle-data-"))
        env = {
            **os.environ,
            **HUDDLE_BENCH_ENV,
            "HUDDLE_HOST": "127.0.0.1",
            "HUDDLE_PORT": str(port),
            "HUDDLE_DATA_DIR": str(self.data_dir),
            "HUDDLE_ADMIN_TOKEN": self.admin_token,
            **self.env,
        }
        env.pop("MONGODB_URL", None)
        env.pop("REDIS_URL", None)
        if self.redis_server is not None:
            env["REDIS_URL"] = self.redis_server.url
        if self.source is not None:
            own = self.source / ".venv/bin/python"
            env["PYTHONPATH"] = str(self.source)
            python = str(own) if own.exists() else sys.executable
            return [python, "-m", "server.cli", "serve"], env
        return [sys.executable, "-m", "server.cli", "serve"], env

    def _api(self, path: str, body: Any, token: str | None = None) -> Any:
        return http_json("POST", f"http://127.0.0.1:{self.ports[0]}{path}", body, token)

    def provision(self, clients: int, rooms: int) -> Provisioned:
        room_ids = [f"bench-{r}" for r in range(rooms)]
        for room in room_ids:
            self._api("/api/rooms", {"id": room, "title": room, "description": "bench"},
                      self.admin_token)  # fmt: skip
        codes: list[str] = []
        while len(codes) < clients:
            count = min(500, clients - len(codes))
            reply = self._api("/api/invites", {"role": "member", "count": count}, self.admin_token)
            codes.extend(reply["codes"])
        lead_code = self._api("/api/invites", {"role": "lead", "count": 1}, self.admin_token)
        with ThreadPoolExecutor(8) as pool:
            regs = list(pool.map(lambda c: self._api("/api/register", {"invite": c}),
                                 [*codes, *lead_code["codes"]]))  # fmt: skip
        auths: list[dict[str, Any] | None] = [{"token": r["token"]} for r in regs[:clients]]
        return Provisioned(room_ids, auths, {"token": regs[-1]["token"]})

    def stop(self) -> None:
        super().stop()
        if self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def checkout(rev: str) -> Path:
    """The tree of ``rev`` (say, main before this branch's server changes) in a temp dir."""
    out = Path(tempfile.mkdtemp(prefix="bench-rev-"))
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
    return out
