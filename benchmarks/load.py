"""Load the service as users would: gunicorn + PostgreSQL + Redis + a Celery worker on 127.0.0.1, locust at fixed
rates. Run through `scripts/bench load SCALE` after `scripts/bench build SCALE` (docs/benchmarks.md).

For each scenario it prints the latency percentiles under a fixed request rate, the errors, the SQL queries one
request makes, the database's floor for those figures (the request's own statements run back to back as plain SQL
over one connection, no ORM, no serializer, no HTTP) and the ratio of the HTTP median to it, and the CPU time per
request of the web workers and of PostgreSQL; then the resident memory of the web and Celery workers. Every run is
bounded: `--duration` seconds and `--rate x --duration` requests at most per scenario.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    name: str
    path: str
    persona: str  # "office" or "reporter"
    stats: bool = False  # has a plain-SQL floor worth printing
    results: dict = field(default_factory=dict)


def scenarios(dataset: dict) -> list[Scenario]:
    batch = dataset["batch_code"]
    deep = min(50, dataset["reports"] // 50)  # page 50 of the office's list, or its last page on a small set
    return [
        Scenario("stats-overview", "/api/tracker/stats/overview/", "office", stats=True),
        Scenario("stats-reforms-batch", f"/api/tracker/stats/reforms/?batch={batch}", "office", stats=True),
        Scenario("stats-matrix-batch", f"/api/tracker/stats/matrix/?batch={batch}", "office", stats=True),
        Scenario("reports-office", "/api/tracker/reports/", "office"),
        Scenario("reports-office-deep", f"/api/tracker/reports/?page={deep}", "office"),
        # The same rows by keyset (?cursor=, the position of the previous page's last row): no OFFSET.
        Scenario("reports-office-cursor", f"/api/tracker/reports/?cursor={dataset['deep_cursor']}", "office"),
        Scenario("reports-reporter", "/api/tracker/reports/", "reporter"),
        Scenario("reforms", "/api/reforms/reforms/", "office"),
        Scenario("write", "", "reporter"),
        # The same writes with RFC 7240's `Prefer: return=minimal`: 204 and the ETag instead of the report's detail.
        Scenario("write-minimal", "", "reporter"),
    ]


def say(message: str) -> None:
    print(message, flush=True)


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer (401) means it serves
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


class Services:
    """Redis (unless REDIS_URL is given), gunicorn and a Celery worker, started here and stopped on exit."""

    def __init__(self, *, port: int, workers: int, run_dir: Path, threads: int = 1):
        self.port, self.workers, self.run_dir, self.threads = port, workers, run_dir, threads
        self.processes: list[subprocess.Popen] = []

    def start(self) -> dict:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench", "PYTHONUNBUFFERED": "1"}
        if not env.get("REDIS_URL"):
            redis_port = self.port + 1
            self._spawn(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                "redis",
                env,
            )
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            for _ in range(50):
                if subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
        os.environ["REDIS_URL"] = env["REDIS_URL"]
        self.gunicorn = self._spawn(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                # More than 1: gunicorn's gthread worker, whose threads overlap one request's database waits with
                # another's Python (the GIL lets one run at a time).
                "--threads",
                str(self.threads),
                "--access-logfile",
                "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
                "--timeout",
                "60",
            ],
            "gunicorn",
            env,
        )
        self.celery = self._spawn(
            [str(VENV_BIN / "celery"), "-A", "config", "worker", "--concurrency=1", "--loglevel=WARNING"],
            "celery",
            env,
        )
        wait_for(f"http://127.0.0.1:{self.port}/api/tracker/reports/", 60)
        return env

    def _spawn(self, command: list[str], name: str, env: dict) -> subprocess.Popen:
        log = open(self.run_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def web_workers(self) -> list[int]:
        return children(self.gunicorn.pid)

    def rss(self) -> dict:
        web = [rss_mb(pid) for pid in self.web_workers()]
        celery = [rss_mb(self.celery.pid), *(rss_mb(pid) for pid in children(self.celery.pid))]
        return {"web_worker_max_mb": round(max(web or [0]), 1), "celery_worker_max_mb": round(max(celery), 1)}

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def postgres_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def write_pairs(dataset: dict, count: int) -> list[list[int]]:
    """(reform, period) pairs the reporter's unit has no report for: new periods in its reforms' batches."""
    import datetime

    from reforms.models import Reform
    from tracker.models import ReportingPeriod

    # The reforms the unit leads: only the lead files the report (a co-unit sends a contribution, issue 12).
    reforms = list(
        Reform.objects.filter(responsibilities__unit_id=dataset["unit_id"], responsibilities__role="lead").order_by(
            "id"
        )[:20]
    )
    if not reforms:
        return []
    periods_needed = count // len(reforms) + 1
    batches = {r.batch_id for r in reforms}
    start = ReportingPeriod.objects.filter(code__startswith="W").count()
    new = [
        ReportingPeriod(
            batch_id=batch_id,
            code=f"W{start + n:06d}",
            label=f"基准写入期{start + n}",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 1, 31),
            due_on=datetime.date(2026, 2, 10),
        )
        for batch_id in batches
        for n in range(periods_needed)
    ]
    ReportingPeriod.objects.bulk_create(new)
    by_batch: dict[int, list[int]] = {}
    for period in new:
        by_batch.setdefault(period.batch_id, []).append(period.pk)
    pairs = [[r.pk, p] for n in range(periods_needed) for r in reforms for p in [by_batch[r.batch_id][n]]]
    return pairs[:count]


def queries_and_floor(scenario: Scenario, token: str, repeat: int) -> dict:
    """Queries of one request (in process, cold cache) and their plain-SQL floor: the same statements run back to
    back on one connection, median of `repeat` runs."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    if is_write(scenario):
        return write_queries(client, scenario.results["pairs"].pop(), minimal=scenario.name == "write-minimal")
    client.get(scenario.path)  # warm: imports, the connection
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(scenario.path)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    with CaptureQueriesContext(connection) as warm:
        client.get(scenario.path)
    times = []
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: no Django wrapper in the timing
        for _ in range(repeat):
            started = time.perf_counter()
            for statement in statements:
                raw.execute(statement)
                if raw.description is not None:
                    raw.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return {
        "status": response.status_code,
        "queries": len(captured.captured_queries),
        "queries_cached": len(warm.captured_queries),
        "floor_ms": round(statistics.median(times), 2),
    }


def warm_up(port: int, token: str, path: str, pairs: list, workers: int) -> None:
    """GET `path` once per item of `pairs` (None each), or create and submit a report per (reform, period) pair,
    `workers` at a time."""
    from concurrent.futures import ThreadPoolExecutor

    base = f"http://127.0.0.1:{port}"

    def call(url: str, body: dict | None = None, headers: dict | None = None):
        request = urllib.request.Request(base + url, data=None if body is None else json.dumps(body).encode())
        for name, value in {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            **(headers or {}),
        }.items():
            request.add_header(name, value)
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response

    def one(pair) -> None:
        if pair is None:
            call(path)
            return
        created = call(
            "/api/tracker/reports/", {"reform": pair[0], "period": pair[1], "percent": 10, "work_done": "预热"}
        )
        call(created.headers["Location"].removeprefix(base) + "submit/", {}, {"If-Match": created.headers["ETag"]})

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, pairs))


def is_write(scenario: Scenario) -> bool:
    return scenario.name in ("write", "write-minimal")


def write_queries(client, pair: list[int], *, minimal: bool = False) -> dict:
    """Queries of one create and of one submit, in process (with `Prefer: return=minimal` if `minimal`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reform, period = pair
    prefer = {"HTTP_PREFER": "return=minimal"} if minimal else {}
    with CaptureQueriesContext(connection) as created:
        body = {"reform": reform, "period": period, "percent": 10, "work_done": "基准测试"}
        response = client.post("/api/tracker/reports/", body, format="json", **prefer)
    report_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    with CaptureQueriesContext(connection) as submitted:
        client.post(f"/api/tracker/reports/{report_id}/submit/", HTTP_IF_MATCH=response["ETag"], **prefer)
    suffix = "-minimal" if minimal else ""
    return {
        f"queries_create{suffix}": len(created.captured_queries),
        f"queries_submit{suffix}": len(submitted.captured_queries),
    }


def run_locust(scenario: Scenario, *, env: dict, port: int, rate: float, users: int, duration: int, run_dir: Path):
    per_user = rate / users
    prefix = run_dir / scenario.name
    locust_env = {
        **env,
        "BENCH_SCENARIO": scenario.name,
        "BENCH_PATH": scenario.path,
        "BENCH_TOKEN": scenario.results["token"],
        "BENCH_RATE_PER_USER": str(per_user),
        "BENCH_RATE": str(rate),
        "BENCH_MAX_REQUESTS": str(int(rate * duration * (2 if is_write(scenario) else 1)) + users),
        "BENCH_PAIRS": json.dumps(scenario.results.get("pairs", [])),
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        "1000",  # every user at once: the run time counts from the start; each then waits for its turn (locustfile)
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    done = subprocess.run(command, env=locust_env, cwd=ROOT, capture_output=True, text=True, timeout=duration + 60)
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] != "Aggregated":
                rows[row["Name"]] = row
    return rows


def deep_cursor(dataset: dict) -> str:
    """The cursor of the row before the deep page's first (the office sees every report): the empty cursor (the
    top) when the deep page is the first."""
    from tracker.api.pagination import cursor_text
    from tracker.models import ProgressReport

    deep = min(50, dataset["reports"] // 50)
    if deep <= 1:
        return ""
    reports = ProgressReport.objects.order_by("-updated_at", "-id").values_list("updated_at", "id")
    return cursor_text(*reports[(deep - 1) * 50 - 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=Path, required=True, help="the JSON benchmarks/dataset.py wrote")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "18710")))
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)")
    parser.add_argument("--rate", type=float, default=50, help="requests per second, per scenario")
    parser.add_argument("--write-rate", type=float, default=10, help="create+submit cycles per second")
    parser.add_argument("--users", type=int, default=10, help="locust users sharing the rate")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--floor-repeat", type=int, default=10)
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and locust's CSV files (path printed)")
    args = parser.parse_args()
    dataset = json.loads(args.dataset.read_text())

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    run_dir = Path(tempfile.mkdtemp(prefix="rollout-bench."))
    if args.keep:
        say(f"Logs and CSV files in {run_dir}")
    services = Services(port=args.port, workers=args.workers, run_dir=run_dir, threads=args.threads)
    try:
        env = services.start()
        import django

        django.setup()
        from reforms.models import Batch

        dataset["batch_code"] = Batch.objects.order_by("-issued_on").values_list("code", flat=True).first()
        dataset["deep_cursor"] = deep_cursor(dataset)
        chosen = scenarios(dataset)
        if args.only:
            wanted = set(args.only.split(","))
            chosen = [s for s in chosen if s.name in wanted]
        report = run(chosen, dataset=dataset, services=services, env=env, args=args, run_dir=run_dir)
    finally:
        services.stop()
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    report["machine"] = machine()
    say(f"\nMachine: {report['machine']}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))


def run(chosen, *, dataset, services, env, args, run_dir) -> dict:
    from django.db import connection

    say(
        f"Scale {dataset['scale']}: {dataset['reports']:,} reports, {dataset['reforms']:,} reforms, "
        f"{dataset['units']:,} units, {dataset['cities']} cities; gunicorn {args.workers} workers x {args.threads} "
        f"threads, locust {args.users} users, {args.duration} s per scenario"
    )
    header = (
        f"{'scenario':<24}{'rate':>6}{'done/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}"
        f"{'queries':>8}{'cached':>7}{'floor':>8}{'ratio':>7}{'cpu web':>9}{'cpu pg':>8}"
    )
    say(header)
    figures = {"scale": dataset["scale"], "scenarios": {}}
    for scenario in chosen:
        token = dataset["office_token" if scenario.persona == "office" else "reporter_token"]
        scenario.results["token"] = token
        rate = args.write_rate if is_write(scenario) else args.rate
        warm_ups = 2 * args.workers
        if is_write(scenario):
            pairs = write_pairs(dataset, int(rate * args.duration) + args.users + warm_ups)
            scenario.results["pairs"], warm_pairs = pairs[warm_ups:], pairs[:warm_ups]
        measured = queries_and_floor(scenario, token, args.floor_repeat)
        # Each web worker's first answer of a kind includes its imports and compiled statements: a few requests
        # first, side by side so that every worker gets some, as the service's first minute would.
        warm_up(args.port, token, scenario.path, warm_pairs if is_write(scenario) else [None] * warm_ups, args.workers)
        connection.close()
        pg_before = {pid: cpu_seconds([pid]) for pid in postgres_backends()}
        web_before = cpu_seconds(services.web_workers())
        rows = run_locust(
            scenario, env=env, port=args.port, rate=rate, users=args.users, duration=args.duration, run_dir=run_dir
        )
        web_cpu = cpu_seconds(services.web_workers()) - web_before
        # Backends that came and went during the run are not counted; with CONN_MAX_AGE they persist.
        pg_cpu = sum(cpu_seconds([pid]) - pg_before.get(pid, 0.0) for pid in postgres_backends())
        total_requests = sum(int(r["Request Count"]) for r in rows.values()) or 1
        for name, row in rows.items():
            p50 = float(row["50%"])
            floor = measured.get("floor_ms")
            result = {
                "rate": rate,
                "requests": int(row["Request Count"]),
                "done_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": p50,
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "errors": int(row["Failure Count"]),
                "queries": measured.get("queries", measured.get(f"queries_{name}")),
                "queries_cached": measured.get("queries_cached"),
                "floor_ms": floor,
                "ratio": round(p50 / floor, 1) if floor and scenario.stats else None,
                "cpu_web_ms": round(web_cpu * 1000 / total_requests, 1),
                "cpu_pg_ms": round(pg_cpu * 1000 / total_requests, 1),
            }
            figures["scenarios"][name] = result
            say(
                f"{name:<24}{rate:>6g}{result['done_per_s']:>8}{p50:>8g}{result['p95_ms']:>8g}{result['p99_ms']:>8g}"
                f"{result['errors']:>7}{_s(result['queries']):>8}{_s(result['queries_cached']):>7}"
                f"{_s(floor):>8}{_s(result['ratio']):>7}{result['cpu_web_ms']:>9}{result['cpu_pg_ms']:>8}"
            )
    figures["rss"] = services.rss()
    say(
        f"RSS after the runs: web worker (largest) {figures['rss']['web_worker_max_mb']} MB, Celery worker "
        f"{figures['rss']['celery_worker_max_mb']} MB. Times in ms; cpu = CPU time per request."
    )
    return figures


def _s(value) -> str:
    return "-" if value is None else str(value)


def machine() -> str:
    import platform

    import django
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    load = os.getloadavg()
    return (
        f"{cpu}, {os.cpu_count()} cores; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, Django "
        f"{django.get_version()}; PostgreSQL {version}"
    )


if __name__ == "__main__":
    main()
