"""The benchmark harness runs end to end at small scale: data set, gunicorn + Redis + Celery worker, locust.

No timing is asserted (CI machines vary); the test fails when the harness breaks: a scenario that errors, a figure
missing, a request that stops answering. Its own database sits next to the test database and is dropped after.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {
    "stats-overview",
    "stats-reforms-batch",
    "stats-matrix-batch",
    "reports-office",
    "reports-office-deep",
    "reports-office-cursor",
    "reports-reporter",
    "reforms",
    "create",
    "submit",
    "create-minimal",
    "submit-minimal",
}


def free_port() -> int:
    # Two consecutive ports: gunicorn's and, unless REDIS_URL is set, Redis's.
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
        with socket.socket() as second:
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports")


@pytest.fixture
def bench_database():
    base = os.environ["DATABASE_URL"]
    parts = urlsplit(base)
    name = parts.path.lstrip("/") + "_harness"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.timeout(240)
def test_the_harness_runs_at_small_scale(bench_database, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": bench_database,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        # Its own Redis database: the harness clears the cache it measures.
        "REDIS_URL": os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14",
    }
    dataset = tmp_path / "small.json"
    subprocess.run(
        [sys.executable, "benchmarks/dataset.py", "--scale", "small", "--output", str(dataset)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    built = json.loads(dataset.read_text())
    assert (built["reforms"], built["cities"]) == (38, 16)
    assert built["reports"] > 800 and built["city_lines"] == 2 * built["reports"]
    figures = tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable,
            "benchmarks/load.py",
            "--dataset",
            str(dataset),
            "--port",
            str(free_port()),
            "--workers",
            "1",
            "--rate",
            "5",
            "--write-rate",
            "1",
            "--users",
            "1",
            "--duration",
            # 4 s, not 2: on a machine at load 9 locust's own start took most of 2 s and a scenario did no request.
            "4",
            "--floor-repeat",
            "2",
            "--json",
            str(figures),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=210,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert set(result["scenarios"]) == SCENARIOS
    for name, row in result["scenarios"].items():
        assert row["requests"] >= 1, name
        assert row["errors"] == 0, (name, run.stdout)
        assert row["queries"] >= 1, name
        assert row["p50_ms"] > 0 and row["p99_ms"] >= row["p50_ms"], name
    for name in ("stats-overview", "stats-reforms-batch", "stats-matrix-batch"):
        assert result["scenarios"][name]["floor_ms"] > 0 and result["scenarios"][name]["ratio"] > 0
    assert result["rss"]["web_worker_max_mb"] > 0 and result["rss"]["celery_worker_max_mb"] > 0
    assert "RSS after the runs" in run.stdout
