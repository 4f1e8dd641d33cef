"""Real processes for the reminder tests: a Celery worker, Celery beat, and a private Redis server to restart."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def wait_until(predicate, timeout: float = 20.0, what: str = "a condition") -> None:
    """Poll (bounded) for the effect of another process; never a sleep through the time under test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class CeleryProcess:
    """`celery -A config worker` (or beat) in its own process group, logging to a file the test can read."""

    def __init__(self, *, args: list[str], env: dict[str, str], log: Path, ready_line: str) -> None:
        self.args, self.env, self.log, self.ready_line = args, env, log, ready_line
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 40.0) -> "CeleryProcess":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"celery exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            return self.ready_line in self.output()[offset:]

        wait_until(ready, timeout, f"celery {self.args[0]} to start")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def children(self) -> list[int]:
        """Pids of the worker's pool processes."""
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, no acknowledgement, nothing written."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def worker(*, env: dict[str, str], log: Path, concurrency: int = 1) -> CeleryProcess:
    name = f"reminders-test-{uuid.uuid4().hex[:8]}@%h"
    args = [
        "worker",
        "--loglevel=INFO",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname={name}",
    ]
    return CeleryProcess(args=args, env=env, log=log, ready_line=" ready.")


def beat(*, env: dict[str, str], log: Path, schedule: Path) -> CeleryProcess:
    args = ["beat", "--loglevel=INFO", f"--schedule={schedule}", "--max-interval=1"]
    return CeleryProcess(args=args, env=env, log=log, ready_line="beat: Starting...")


class RedisServer:
    """A private redis-server on a free port, without persistence: a restart loses every queued message."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        import redis

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port)

        def up() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(up, 10, "redis-server to start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
