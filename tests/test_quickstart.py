"""`scripts/run`, the quickstart, as a newcomer runs it: the port check before anything is installed, and a real
start in a fresh copy of the repository (SQLite, file-system broker) that answers, shows the URLs, and stops
cleanly on Ctrl-C (SIGINT to the process group, as a terminal sends it)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tracker.reminders.tests.smtp import free_port  # a loopback port nothing listens on

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone does not have: local state, caches, the virtualenv (linked back in below), git.
NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".venv", "var", "test-artifacts", "__pycache__", ".ruff_cache", ".env")


def quickstart_env() -> dict[str, str]:
    """The environment of a newcomer's shell: none of the test run's database, broker or settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "DJANGO_", "CELERY_"))}
    env.pop("SITE_URL", None)
    return env


def test_a_taken_port_is_refused_before_anything_is_installed_or_started():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [str(ROOT / "scripts" / "run"), str(port)],
            capture_output=True,
            text=True,
            env=quickstart_env(),
            timeout=30,
        )
    assert result.returncode != 0
    assert f"端口 {port} 已被占用" in result.stderr and f"port {port} is already in use" in result.stderr
    assert result.stderr.index("端口") < result.stderr.index("port ")  # Chinese first
    assert "Installing" not in result.stderr and "Preparing" not in result.stderr
    assert time.monotonic() - started < 10  # no pip, no migrate: just the check


def test_a_port_that_is_not_a_number_is_refused():
    result = subprocess.run(
        [str(ROOT / "scripts" / "run"), "80a"], capture_output=True, text=True, env=quickstart_env(), timeout=30
    )
    assert result.returncode != 0 and "端口必须是 1–65535 之间的数字" in result.stderr


@pytest.mark.services
@pytest.mark.timeout(600)
def test_a_fresh_copy_starts_answers_and_stops_cleanly_on_ctrl_c(tmp_path):
    copy = tmp_path / "clone"
    shutil.copytree(ROOT, copy, ignore=NOT_IN_A_CLONE, symlinks=True)
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    port = free_port()
    process = subprocess.Popen(
        [str(copy / "scripts" / "run"), str(port)],
        cwd=copy,
        env=quickstart_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    try:
        started = time.monotonic()
        answered = None
        while time.monotonic() - started < 400 and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=5) as response:
                    answered = response.status
                    break
            except OSError:
                time.sleep(1)
        assert answered == 200, "the web server never answered"
        # Let the worker and beat finish starting (beat sends its first rollup refresh at once).
        time.sleep(10)
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = output.decode()

    assert process.returncode == 130  # honcho: interrupted by SIGINT
    for url in ("/admin/", "/dashboard/", "/api/docs/"):
        assert f"http://127.0.0.1:{port}{url}" in text
    assert "office-demo-2026" in text and "已生成演示报送数据" in text
    assert "worker: Warm shutdown" in text
    assert "worker.1 stopped (rc=0)" in text and "beat.1 stopped (rc=0)" in text
    assert "SIGKILL" not in text and "ERROR" not in text and "Traceback" not in text
    # Every log line once: worker and beat lines carry a timestamp with milliseconds, so a repeat is a duplicate.
    logged = Counter(line for line in text.splitlines() if re.search(r"\| \[?\d{4}-\d\d-\d\d ", line))
    assert logged and max(logged.values()) == 1, logged.most_common(3)
    # The provisional-calendar warning (if any) is bilingual, Chinese first.
    for line in text.splitlines():
        if "reminders.W001" in line:
            assert line.index("尚未录入") < line.index("not entered yet")
