"""Benchmark of the statistics API on PostgreSQL with a million progress reports. A script, not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:55434/stats_bench .venv/bin/python benchmarks/stats_api.py --reset

It migrates the database it is given, fills it (with --reset: after emptying the tables it fills), times the rollup
refresh (full, incremental, a new day), then each endpoint, and prints the latencies and the machine.

The default shape is a plausible large service: 10 batches of 40 reforms (400 reforms, 16 cities), 5 responsible
units each, weekly reporting for 10 years (525 periods per batch): 1,050,000 obligations and about 1,008,000 reports
(96 %). `--batches 50 --interval month --periods 105` gives the same number of reports over 2,000 reforms, which
loads the structure-bound figures (targets, one row per reform) five times more. `--periods 53` keeps the structure
and has a tenth of the reports, to see that the latencies do not follow the number of reports.

Data is generated in SQL (generate_series) by benchmarks/dataset.py's fill(), so filling takes a minute or two, not
hours. For the load test of the whole service (gunicorn, locust) see benchmarks/load.py and docs/benchmarks.md.
Never point it at a database whose data you want to keep: --reset empties the reforms, units, reports and reminders
tables.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

# The harness's data set builder (benchmarks/dataset.py; this script's folder is on sys.path when it runs).
from dataset import TABLES, Shape, fill  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from core.access import OFFICE_GROUP, UNIT_STAFF_GROUP  # noqa: E402
from reforms.models import Batch, Reform  # noqa: E402
from tracker.models import ProgressReport, ReportingPeriod  # noqa: E402
from tracker.reminders.models import Obligation  # noqa: E402
from tracker.stats.models import ObligationFact, RollupState  # noqa: E402
from tracker.stats.services import stats_refresh  # noqa: E402
from units.models import Membership, Unit  # noqa: E402


def say(message: str) -> None:
    print(message, flush=True)


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    say(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def users() -> tuple:
    User = get_user_model()
    office = User.objects.create_user("bench-office", password="x", is_staff=True)
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    reporter = User.objects.create_user("bench-reporter", password="x", is_staff=True)
    reporter.groups.add(Group.objects.get(name=UNIT_STAFF_GROUP))
    Membership.objects.create(user=reporter, unit=Unit.objects.order_by("id").first())
    return office, reporter


def measure(client, url: str, params: dict, repeat: int) -> tuple[list[float], int, int]:
    for _ in range(2):  # warm the caches and the connection
        client.get(url, params)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    return times, len(queries.captured_queries), response.status_code


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('stats_obligationfact'))")
        facts = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tracker_progressreport'))")
        reports = cursor.fetchone()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}, Django {django.get_version()}; PostgreSQL {version} "
        f"(shared_buffers {buffers}) on {settings.DATABASES['default']['HOST']}:{settings.DATABASES['default']['PORT']}"
        f"; tables: reports {reports}, obligation facts {facts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="empty the tables first (destroys their data)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per endpoint")
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--reforms-per-batch", type=int, default=40)
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--units-per-reform", type=int, default=5)
    parser.add_argument("--periods", type=int, default=525)
    parser.add_argument("--interval", choices=["week", "month"], default="week")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL.")
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    if args.reset:
        sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        get_user_model().objects.filter(username__startswith="bench-").delete()
    elif Reform.objects.exists():
        sys.exit("The database already holds reforms: use a fresh database, or --reset to empty it.")

    say("Filling the database")
    timed(
        "generated",
        lambda: fill(
            Shape(
                batches=args.batches,
                reforms_per_batch=args.reforms_per_batch,
                units=args.units,
                units_per_reform=args.units_per_reform,
                cities=16,
                periods=args.periods,
                interval=args.interval,
            )
        ),
    )
    say(
        f"  {Reform.objects.count():,} reforms, {ProgressReport.objects.count():,} reports, "
        f"{Batch.objects.count()} batches, {Obligation.objects.count():,} obligations"
    )

    say("Refreshing the rollup")
    result = timed("full rebuild", lambda: stats_refresh(full=True))
    say(f"  obligations: {ObligationFact.objects.count():,}; colours: {result.snapshots:,}")
    # A minute's worth of work: 200 drafts submitted, then the incremental refresh the beat would run.
    sql(
        """UPDATE tracker_progressreport SET state = 'submitted', revision = 1, submitted_at = now(), updated_at = now()
           WHERE id IN (SELECT id FROM tracker_progressreport WHERE state = 'draft' ORDER BY id LIMIT 200)"""
    )
    result = timed("incremental refresh after 200 submissions", stats_refresh)
    say(f"  reforms recomputed: {result.reforms}")
    result = timed("next refresh, the 200 reports still within the 10-minute look-back", stats_refresh)
    say(f"  reforms recomputed: {result.reforms}")
    # As if the last refresh ran a quarter of an hour after those writes: the look-back no longer reaches them.
    RollupState.objects.update(watermark=timezone.now() + datetime.timedelta(minutes=15))
    result = timed("refresh with nothing written in the last 10 minutes", stats_refresh)
    say(f"  reforms recomputed: {result.reforms}")
    RollupState.objects.update(
        as_of_date=timezone.localdate() - datetime.timedelta(days=1),
        watermark=timezone.now() + datetime.timedelta(minutes=15),
    )
    result = timed("first refresh of a new day (every summary recomputed)", stats_refresh)
    say(f"  new day: {result.new_day}, reforms recomputed: {result.reforms}")

    office, reporter = users()
    api = APIClient()
    api.force_authenticate(office)
    scoped = APIClient()
    scoped.force_authenticate(reporter)
    batch = Batch.objects.order_by("-issued_on").first()
    unit = Unit.objects.order_by("id").first()
    today = timezone.localdate()
    # A period every batch has, one that fell due lately.
    period = ReportingPeriod.objects.filter(due_on__lt=today).order_by("-due_on").values_list("code", flat=True)[0]
    cases = [
        ("overview", {}, api),
        ("overview", {"batch": batch.code}, api),
        ("overview", {"period": period}, api),
        ("overview", {"date_from": f"{today.year}-01-01", "date_to": today.isoformat()}, api),
        ("overview", {"date_from": "2000-01-01"}, api),
        ("overview", {"unit_id": unit.pk}, api),
        ("overview", {}, scoped),
        ("reforms", {}, api),
        ("reforms", {"ordering": "-completion_rate", "page_size": 200}, api),
        ("reforms", {"period": period}, api),
        ("units", {}, api),
        ("units", {"city": "370200"}, api),
        ("cities", {}, api),
        ("cities", {"period": period}, api),
        ("batches", {}, api),
        ("categories", {}, api),
        ("scopes", {}, api),
        ("matrix", {}, api),
        ("matrix", {"batch": batch.code}, api),
        ("trend", {}, api),
        ("trend", {"interval": "week", "date_from": f"{today.year - 1}-01-01"}, api),
        ("missing-reports", {}, api),
        ("missing-reports", {"unit_id": unit.pk}, api),
        ("ledger-xlsx", {"batch": batch.code}, api),
        ("ledger-csv", {"batch": batch.code}, api),
        ("ledger-xlsx", {}, api),
    ]
    say(f"\nLatency per request, in process (Django test client, no network), {args.repeat} timed requests each")
    say(f"{'endpoint':<16} {'parameters':<48} {'median':>8} {'p95':>8} {'max':>8} {'queries':>8}")
    for name, params, client in cases:
        repeat = 3 if name == "ledger-xlsx" and not params else args.repeat
        times, count, status_code = measure(client, reverse(f"stats-api:{name}"), params, repeat)
        assert status_code == 200, (name, params, status_code)
        who = " (unit staff)" if client is scoped else ""
        label = ("&".join(f"{k}={v}" for k, v in params.items()) or "-") + who
        p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
        median = statistics.median(times)
        say(f"{name:<16} {label[:48]:<48} {median:>6.1f}ms {p95:>6.1f}ms {max(times):>6.1f}ms {count:>8}")
    dashboard = Client()
    dashboard.force_login(office)
    times, count, status_code = measure(dashboard, reverse("stats:dashboard"), {}, 5)
    assert status_code == 200
    say(f"{'dashboard page':<16} {'-':<48} {statistics.median(times):>6.1f}ms {'':>8} {max(times):>6.1f}ms {count:>8}")
    reset_queries()
    say(f"\nMachine: {machine()}")


if __name__ == "__main__":
    main()
