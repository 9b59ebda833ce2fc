"""The embedded MongoDB-wire server: nx-27017 on SQLite files inside the data dir.

Huddle starts it on a free loopback port when MONGODB_URL is unset and stops it
with itself. Its PID file lives in the data dir, so two Huddles on two data dirs
never collide, and a PID file left by a crash is cleaned up at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from server.errors import ConfigError

logger = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _executable() -> str:
    beside_python = Path(sys.executable).with_name("nx-27017")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nx-27017")
    if found is None:
        raise ConfigError("nx-27017 is not installed: run `make install`")
    return found


def _die_with_parent() -> None:
    """Runs in the child before exec: the store dies if Huddle is killed with -9."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_store(pid_file: Path) -> int | None:
    """The pid of a live store named by ``pid_file``; a stale file is removed."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        pid_file.unlink(missing_ok=True)
        return None
    if _process_alive(pid) and _is_store_process(pid):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def _parent_pid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _is_store_process(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"nx-27017" in cmdline or b"nx_27017" in cmdline


async def _wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise ConfigError(f"the embedded store exited at start-up (code {process.returncode})")
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            url, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            await client.admin.command("ping")
            return
        except PyMongoError:
            if loop.time() > deadline:
                raise ConfigError("the embedded store did not start in time") from None
            await asyncio.sleep(0.1)
        finally:
            await client.close()


@asynccontextmanager
async def embedded_mongo(data_dir: Path) -> AsyncIterator[str]:
    """Run nx-27017 on SQLite files in ``data_dir/store``; yield its mongodb:// URL."""
    store_dir = (data_dir / "store").resolve()
    store_dir.mkdir(parents=True, exist_ok=True)
    pid_file = store_dir / "nx-27017.pid"
    url_file = store_dir / "url"
    running = _running_store(pid_file)
    if running is not None and _parent_pid(running) > 1 and url_file.exists():
        # Another Huddle process (a server, or `huddle users grant` beside one) owns
        # the store on this data dir: share it rather than fight over the files.
        yield url_file.read_text().strip()
        return
    if running is not None:
        logger.warning("stopping an embedded store orphaned by a crash (pid %d)", running)
        with contextlib.suppress(ProcessLookupError):
            os.kill(running, signal.SIGKILL)
        pid_file.unlink(missing_ok=True)
    port = free_port()
    log = (store_dir / "nx-27017.log").open("ab")
    process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not wait on it
        [
            _executable(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(store_dir),
            "--pid-file",
            str(pid_file),
            "--log-file",
            str(store_dir / "nx-27017.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        preexec_fn=_die_with_parent,
    )
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        await _wait_until_ready(url, process)
        url_file.write_text(url)
        logger.info("embedded store ready on 127.0.0.1:%d (%s)", port, store_dir)
        yield url
    finally:
        url_file.unlink(missing_ok=True)
        await _stop(process)
        log.close()
        pid_file.unlink(missing_ok=True)


async def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    for _ in range(50):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.1)
    process.kill()
    process.wait()
