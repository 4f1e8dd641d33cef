#!/usr/bin/env python
"""Load without loss: 50 API clients for 60 s against gunicorn + PostgreSQL + Redis + a Celery worker and beat,
all on 127.0.0.1, then the same with the worker killed and restarted and PostgreSQL restarted in the middle.

    .venv/bin/python benchmarks/load_without_loss.py [--users 50] [--seconds 60] [--base-port 18610]

Starts its own PostgreSQL cluster (Debian's binaries under /usr/lib/postgresql/*/bin, in a temporary directory),
redis-server, gunicorn (config.settings.production, 3 workers) and Celery, seeds the first batch with one reporter
per responsible unit and 10 office reviewers (API tokens), and runs locust headless
(benchmarks/load_without_loss_locustfile.py). Clients file, edit (If-Match), send a stale edit on purpose, submit,
rework returned reports, read, and review (approve or return).

Afterwards it checks the database against the clients' ledger of accepted writes and prints the figures:
- server errors (5xx) and connection errors, requests, p50/p99 per phase;
- every report a client was told was created (201) is in the database exactly once; reports stored that no client
  was told about (the answer lost in a fault) are counted apart;
- no write accepted on a stale version: the accepted writes of a report never share a base version, every stale
  edit was refused (412), and no report has fewer versions than 1 + its accepted writes (more: answers never read,
  counted as writes_not_acknowledged);
- every transition recorded: no report has fewer transitions than 1 + its accepted submits, approvals and returns;
- the audit trail has one event per version of each report.
Not a CI test: a benchmark that prints, and exits non-zero when a check fails.
"""

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"


def pg_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: [int(x) for x in p.parts[-3].split(".")]
    )
    if not found:
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return found[-1].parent


def as_pg(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Stack:
    """The processes under test, each started and stopped by this script only (by pid / process group)."""

    def __init__(self, base_port: int, workdir: Path) -> None:
        self.pg_port, self.redis_port, self.web_port = base_port, base_port + 1, base_port + 2
        self.workdir = workdir
        self.pg = pg_bin()
        self.procs: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "load-test-only-secret-key-0123456789abcdef",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_COOKIES": "false",
            # Plain HTTP on loopback: in production TLS ends at the proxy in front of gunicorn.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/rollout",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_LOG_LEVEL": "WARNING",
            # The load is the point: throttling would turn it into 429s.
            "API_THROTTLE_USER": "1000000/hour",
            "API_THROTTLE_WRITES": "1000000/hour",
            "API_THROTTLE_UPLOADS": "1000000/hour",
        }

    def log(self, name: str):
        return open(self.workdir / f"{name}.log", "ab")

    def start_postgres(self) -> None:
        data = self.workdir / "pg"
        if not data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.workdir, "postgres")
            subprocess.run(
                as_pg([str(self.pg / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        options = f"-h 127.0.0.1 -p {self.pg_port} -k {self.workdir} -c max_connections=200"
        subprocess.run(
            as_pg(
                [
                    str(self.pg / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.workdir / "pg.log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def restart_postgres(self) -> None:
        data = self.workdir / "pg"
        subprocess.run(
            as_pg([str(self.pg / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "restart"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop_postgres(self) -> None:
        subprocess.run(
            as_pg([str(self.pg / "pg_ctl"), "-D", str(self.workdir / "pg"), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def spawn(self, name: str, args: list[str]) -> None:
        self.procs[name] = subprocess.Popen(
            args, cwd=ROOT, env=self.env, stdout=self.log(name), stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            os.killpg(proc.pid, sig)
            proc.wait(20)

    def manage(self, *args: str) -> None:
        subprocess.run([str(VENV / "python"), "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def start(self) -> None:
        self.start_postgres()
        subprocess.run(
            as_pg([str(self.pg / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "rollout"]),
            check=True,
        )
        self.spawn(
            "redis",
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
        )
        self.manage("migrate", "--noinput", "-v0")
        self.manage("loaddata", "cities", "units", "reforms", "-v0")
        self.spawn(
            "web",
            [
                str(VENV / "gunicorn"),
                "-c",
                "config/gunicorn.conf.py",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "3",
                "--timeout",
                "60",
            ],
        )
        self.start_worker()
        self.spawn(
            "beat",
            [
                str(VENV / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=WARNING",
                f"--schedule={self.workdir / 'beat-schedule'}",
            ],
        )
        wait_for_http(f"http://127.0.0.1:{self.web_port}/api/")

    def start_worker(self) -> None:
        self.spawn(
            "worker",
            [
                str(VENV / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=WARNING",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)
        self.stop_postgres()


def wait_for_http(url: str, timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # 401: the server answers
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} did not answer within {timeout} s")


SEED = r"""
import datetime, json, sys
import django
django.setup()
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from reforms.models import Batch, Responsibility
from tracker.models import ReportingPeriod
from units.models import Unit
from core.access import OFFICE_GROUP
from units.services import membership_create

batch = Batch.objects.get()
periods = []
for month in range(24):
    year, m = 2025 + month // 12, month % 12 + 1
    start = datetime.date(year, m, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    period, _ = ReportingPeriod.objects.get_or_create(batch=batch, code=f"{year}-{m:02d}", defaults=dict(
        label=f"{year}年{m}月", starts_on=start, ends_on=end, due_on=end + datetime.timedelta(days=5)))
    periods.append(period.pk)
reporters = []
# Only a lead unit files the report (issue 12: a co-unit sends a contribution instead).
for unit in Unit.objects.filter(responsibilities__role="lead").distinct().order_by("pk"):
    user = User.objects.create_user(username=f"load-unit-{unit.pk}", password="load-unit-password-1")
    membership_create(user=user, unit=unit)
    reforms = list(Responsibility.objects.filter(unit=unit, role="lead").values_list("reform_id", flat=True))
    reporters.append({"token": Token.objects.create(user=user).key, "reforms": reforms})
reviewers = []
office = Group.objects.get(name=OFFICE_GROUP)
for n in range(10):
    user = User.objects.create_user(username=f"load-office-{n}", password="load-office-password-1", is_staff=True)
    user.groups.add(office)
    reviewers.append({"token": Token.objects.create(user=user).key})
json.dump({"periods": periods, "reporters": reporters, "reviewers": reviewers}, open(sys.argv[1], "w"))
"""


def seed(stack: Stack, credentials: Path) -> None:
    subprocess.run([str(VENV / "python"), "-c", SEED, str(credentials)], cwd=ROOT, env=stack.env, check=True)


def run_locust(
    stack: Stack, *, users: int, seconds: int, workdir: Path, phase: str, ledger: Path, credentials: Path
) -> dict:
    prefix = workdir / phase
    env = {**os.environ, "LOAD_CREDENTIALS": str(credentials), "LOAD_LEDGER": str(ledger)}
    with open(workdir / f"locust-{phase}.log", "w") as log:
        subprocess.run(
            [
                str(VENV / "locust"),
                "-f",
                str(ROOT / "benchmarks" / "load_without_loss_locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{stack.web_port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    failures = Counter()
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            failures[f"{row['Method']} {row['Name']}: {row['Error'][:90]}"] += int(row["Occurrences"])
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50_ms": total["50%"],
        "p99_ms": total["99%"],
        "per_endpoint": {
            name: (row["Request Count"], row["Failure Count"], row["50%"], row["99%"])
            for name, row in rows.items()
            if name != "Aggregated"
        },
        "failure_kinds": dict(failures.most_common(12)),
    }


CHECK = r"""
import json, sys
from collections import Counter, defaultdict
import django
django.setup()
from django.apps import apps
from tracker.models import ProgressReport, ReportTransition
ReportEvent = apps.get_model("audit", "ProgressReportEvent")
ledger = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
created = [e["id"] for e in ledger if e["kind"] == "create"]
stored = dict(ProgressReport.objects.values_list("id", "version"))
transitions = Counter(ReportTransition.objects.values_list("report_id", flat=True))
events = Counter(ReportEvent.objects.values_list("pgh_obj_id", flat=True))
writes = defaultdict(list)
for e in ledger:
    if e["kind"] in ("update", "submit", "approve", "return"):
        writes[e["id"]].append(e)
moves = Counter(e["id"] for e in ledger if e["kind"] in ("submit", "approve", "return"))
result = {
    "accepted_creates": len(created),
    "distinct_accepted_creates": len(set(created)),
    "reports_stored": len(stored),
    "accepted_but_missing": sorted(set(created) - set(stored)),
    "stored_not_acknowledged": len(set(stored) - set(created)),
    "accepted_writes": sum(len(v) for v in writes.values()),
    "stale_refused": sum(1 for e in ledger if e["kind"] == "stale_refused"),
    "stale_accepted": sum(1 for e in ledger if e["kind"] == "stale_accepted"),
    "same_base_accepted_twice": sum(len(v) - len({e["base"] for e in v}) for v in writes.values()),
    # On acknowledged reports: fewer versions or transitions than acknowledged writes is a lost write; more is a
    # write whose answer the client never read (a request in flight when locust stopped, or cut by a fault).
    "writes_lost": [i for i in set(created) & set(stored) if stored[i] < 1 + len(writes[i])],
    "transitions_lost": [i for i in set(created) & set(stored) if transitions[i] < 1 + moves[i]],
    "writes_not_acknowledged": sum(max(0, stored[i] - 1 - len(writes[i])) for i in set(created) & set(stored)),
    "audit_mismatch": [i for i in stored if events[str(i)] + events.get(i, 0) != stored[i]],
    "transitions_stored": sum(transitions.values()),
    "audit_events": sum(events.values()),
}
print(json.dumps(result))
"""


def check(stack: Stack, ledger: Path) -> dict:
    out = subprocess.run(
        [str(VENV / "python"), "-c", CHECK, str(ledger)],
        cwd=ROOT,
        env=stack.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def faults(stack: Stack, seconds: int, log: list[str]) -> None:
    """Kill the worker at 1/4, start it at 1/2 of the run; restart PostgreSQL at 2/3."""
    start = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, start + seconds * fraction - time.monotonic()))

    at(0.25)
    stack.kill("worker")
    log.append(f"{time.monotonic() - start:5.1f}s worker killed (SIGKILL)")
    at(0.5)
    stack.start_worker()
    log.append(f"{time.monotonic() - start:5.1f}s worker started")
    at(2 / 3)
    began = time.monotonic()
    stack.restart_postgres()
    log.append(f"{began - start:5.1f}s PostgreSQL restarted (pg_ctl restart -m fast, {time.monotonic() - began:.1f}s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--base-port", type=int, default=18610)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, CSVs)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="load-without-loss-"))
    os.chmod(workdir, 0o777)
    stack = Stack(args.base_port, workdir)
    ok = True
    try:
        stack.start()
        credentials = workdir / "credentials.json"
        seed(stack, credentials)
        for phase in ("steady", "faults"):
            # One ledger for both phases: the database holds both phases' reports, checked against all acknowledged.
            ledger = workdir / "ledger.jsonl"
            ledger.touch()
            events: list[str] = []
            fault_thread = None
            if phase == "faults":
                fault_thread = threading.Thread(target=faults, args=(stack, args.seconds, events))
                fault_thread.start()
            figures = run_locust(
                stack,
                users=args.users,
                seconds=args.seconds,
                workdir=workdir,
                phase=phase,
                ledger=ledger,
                credentials=credentials,
            )
            if fault_thread:
                fault_thread.join()
            wait_for_http(f"http://127.0.0.1:{stack.web_port}/api/")
            result = check(stack, ledger)
            print(f"\n=== {phase}: {args.users} clients, {args.seconds} s (load average {os.getloadavg()[0]:.1f}) ===")
            for line in events:
                print("  fault:", line)
            print(
                f"  requests {figures['requests']}  ({figures['rps']:.1f}/s)  failures {figures['failures']}"
                f"  p50 {figures['p50_ms']} ms  p99 {figures['p99_ms']} ms"
            )
            for name, (count, failed, p50, p99) in sorted(figures["per_endpoint"].items()):
                print(f"    {name:<16} {count:>6} req  {failed:>4} failed  p50 {p50:>5} ms  p99 {p99:>6} ms")
            for kind, count in figures["failure_kinds"].items():
                print(f"    failure x{count}: {kind}")
            print("  " + json.dumps(result, ensure_ascii=False))
            server_errors = sum(c for k, c in figures["failure_kinds"].items() if " 50" in k or "HTTPError('5" in k)
            lost = result["accepted_but_missing"] or result["distinct_accepted_creates"] != result["accepted_creates"]
            broken = (
                result["stale_accepted"]
                or result["same_base_accepted_twice"]
                or result["writes_lost"]
                or result["transitions_lost"]
                or result["audit_mismatch"]
            )
            if lost or broken or (phase == "steady" and figures["failures"]):
                ok = False
            print(
                f"  => {'OK' if not (lost or broken) else 'LOSS OR STALE WRITE'};"
                f" failures seen by clients: {figures['failures']} (server errors ~{server_errors})"
            )
            # Reports are per (reform, unit, period): the second phase files into the same space, so keep going.
    finally:
        stack.stop()
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
