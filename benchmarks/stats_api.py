"""Benchmark of the statistics API on PostgreSQL with a million progress reports. A script, not a test.

    DATABASE_URL=postgres://postgres@127.0.0.1:55434/stats_bench .venv/bin/python benchmarks/stats_api.py --reset

It migrates the database it is given, fills it (with --reset: after emptying the tables it fills), times the rollup
refresh (full, incremental, a new day), then each endpoint, and prints the latencies and the machine.

The default shape is a plausible large service: 10 batches of 40 reforms (400 reforms, 16 cities), 5 responsible
units each, weekly reporting for 10 years (525 periods per batch): 1,050,000 obligations and about 1,008,000 reports
(96 %). `--batches 50 --interval month --periods 105` gives the same number of reports over 2,000 reforms, which
loads the structure-bound figures (targets, one row per reform) five times more. `--periods 53` keeps the structure
and has a tenth of the reports, to see that the latencies do not follow the number of reports.

Data is generated in SQL (generate_series), so filling takes a minute or two, not hours. Never point it at a
database whose data you want to keep: --reset empties the reforms, units, reports and reminders tables.
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

from reforms.models import Batch, Reform  # noqa: E402
from tracker.models import ProgressReport, ReportingPeriod  # noqa: E402
from tracker.reminders.models import Obligation  # noqa: E402
from tracker.stats.models import ObligationFact, RollupState  # noqa: E402
from tracker.stats.services import stats_refresh  # noqa: E402
from units.models import City, Membership, Unit  # noqa: E402
from units.roles import OFFICE_GROUP, UNIT_STAFF_GROUP  # noqa: E402

CITIES = [
    ("370100", "济南市"),
    ("370200", "青岛市"),
    ("370300", "淄博市"),
    ("370400", "枣庄市"),
    ("370500", "东营市"),
    ("370600", "烟台市"),
    ("370700", "潍坊市"),
    ("370800", "济宁市"),
    ("370900", "泰安市"),
    ("371000", "威海市"),
    ("371100", "日照市"),
    ("371300", "临沂市"),
    ("371400", "德州市"),
    ("371500", "聊城市"),
    ("371600", "滨州市"),
    ("371700", "菏泽市"),
]
TABLES = [
    "reminders_reminder",
    "reminders_obligation",
    "stats_obligationfact",
    "stats_obligationsummary",
    "stats_coloursnapshot",
    "stats_statusoverride",
    "stats_rollupstate",
    "tracker_reporttransition",
    "tracker_reportrevision",
    "tracker_reportcityline",
    "tracker_attachment",
    "tracker_progressreport",
    "tracker_reportingperiod",
    "reforms_rollouttarget",
    "reforms_responsibility",
    "reforms_reform",
    "reforms_batch",
    "units_membership",
    "units_unit",
    "units_city",
]


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


def fill(
    *, batches: int, reforms_per_batch: int, units: int, units_per_reform: int, periods: int, interval: str
) -> None:
    """Everything in SQL: each statement writes one table with generate_series."""
    user = get_user_model().objects.create_user("bench-author", password="x")
    reviewer = get_user_model().objects.create_user("bench-reviewer", password="x")
    City.objects.bulk_create([City(code=code, name=name) for code, name in CITIES])
    Unit.objects.bulk_create([Unit(name=f"基准测试单位{i:03d}", kind="provincial_department") for i in range(units)])
    # Issued in 2016, due at the end of 2030: every period of the ten years gets its obligations.
    sql(
        """INSERT INTO reforms_batch (code, title, document_number, issued_on, reporting_rules, default_deadline)
           SELECT 'bench-' || b, '基准批次' || b, '', DATE '2016-01-01' + b * 7, '', DATE '2030-12-31'
           FROM generate_series(1, %s) b""",
        [batches],
    )
    sql(
        """INSERT INTO reforms_reform (batch_id, category, number, position, code, title, content, scope,
                                       needs_verification, verification_note, deadline)
           SELECT b.id, CASE WHEN n <= 10 THEN 'pilot' ELSE 'best_practice' END,
                  CASE WHEN n <= 10 THEN n ELSE n - 10 END, n, b.code || '-' || n, '基准改革事项' || b.code || '-' || n,
                  '内容', CASE WHEN n %% 5 < 3 THEN 'all_cities' ELSE 'qualified_cities' END, false, '', NULL
           FROM reforms_batch b CROSS JOIN generate_series(1, %s) n""",
        [reforms_per_batch],
    )
    first_unit = Unit.objects.order_by("id").values_list("id", flat=True).first()
    sql(
        """INSERT INTO reforms_responsibility (reform_id, unit_id, role, position)
           SELECT r.id, %s + (r.id * 7 + k * 13) %% %s, CASE WHEN k = 1 THEN 'lead' ELSE 'co' END, k
           FROM reforms_reform r CROSS JOIN generate_series(1, %s) k""",
        [first_unit, units, units_per_reform],
    )
    sql(
        """INSERT INTO reforms_rollouttarget (reform_id, city_id, status, not_applicable_reason, status_changed_on)
           SELECT r.id, c.id, s.status,
                  CASE WHEN s.status = 'not_applicable' THEN '不适用' ELSE '' END,
                  CASE WHEN s.status = 'not_started' THEN NULL ELSE DATE '2019-01-01' + (random() * 2850)::int END
           FROM reforms_reform r CROSS JOIN units_city c
           CROSS JOIN LATERAL (SELECT CASE WHEN x < 0.45 THEN 'done' WHEN x < 0.75 THEN 'in_progress'
                                           WHEN x < 0.95 THEN 'not_started' ELSE 'not_applicable' END AS status
                               FROM (SELECT random() + 0 * r.id + 0 * c.id AS x) v) s
           WHERE r.scope = 'all_cities' OR (r.id + c.id) %% 3 = 0"""
    )
    if interval == "week":  # weeks from Monday, due on the Friday after
        step, last, code, label, due = (
            "1 week",
            "DATE '2026-11-16'",
            """to_char(m, 'IYYY-"W"IW')""",
            """to_char(m, 'IYYY"年第"IW"周"')""",
            "11 days",
        )
        length = "6 days"
    else:  # months, due on the 10th of the next
        step, last, code, label, due = (
            "1 month",
            "DATE '2026-11-01'",
            "to_char(m, 'YYYY-MM')",
            """to_char(m, 'YYYY"年"MM"月"')""",
            "1 month 9 days",
        )
        length = "1 month - 1 day"
    sql(
        f"""INSERT INTO tracker_reportingperiod (batch_id, code, label, starts_on, ends_on, due_on)
            SELECT b.id, {code}, {label}, m::date, (m + interval '{length}')::date, (m + interval '{due}')::date
            FROM reforms_batch b
            CROSS JOIN generate_series({last} - (%s - 1) * interval '{step}', {last}, interval '{step}') m""",
        [periods],
    )
    # The obligations tracker.reminders' sweep would derive: every responsible unit, every period (all start before
    # the deadline). Columns as the table has them now (the reminders' own fields get their defaults).
    with connection.cursor() as cursor:
        present = {c.name for c in connection.introspection.get_table_description(cursor, "reminders_obligation")}
    values = {
        "reform_id": "s.reform_id",
        "unit_id": "s.unit_id",
        "period_id": "p.id",
        "due_on": "p.due_on",
        "created_at": "now() - interval '30 days'",
    }
    extra = {}
    for model_field in Obligation._meta.concrete_fields:
        column = model_field.column
        if column in present and column not in values and column != "id":
            extra[column] = None if model_field.null else model_field.get_default()
    columns = [*values, *extra]
    placeholders = [*values.values(), *(["%s"] * len(extra))]
    sql(
        f"""INSERT INTO reminders_obligation ({", ".join(columns)})
            SELECT {", ".join(placeholders)}
            FROM reforms_responsibility s
            JOIN reforms_reform r ON r.id = s.reform_id
            JOIN tracker_reportingperiod p ON p.batch_id = r.batch_id""",
        list(extra.values()),
    )
    # One report for 96 % of obligations: mostly approved, some submitted, returned or still drafts; submitted
    # around the due date (a third of them late).
    sql(
        """INSERT INTO tracker_progressreport (reform_id, unit_id, period_id, author_id, state, status, percent,
               work_done, problems, next_steps, version, revision, submitted_at, reviewed_at, reviewer_id,
               review_comment, created_at, updated_at)
           SELECT reform_id, unit_id, period_id, %s, state, 'in_progress', 50, '已推进', '', '', 2,
                  CASE WHEN state = 'draft' THEN 0 ELSE 1 END,
                  CASE WHEN state = 'draft' THEN NULL ELSE at END,
                  CASE WHEN state IN ('approved', 'returned') THEN at + interval '2 days' END,
                  CASE WHEN state IN ('approved', 'returned') THEN %s END,
                  CASE WHEN state = 'returned' THEN '请补充' ELSE '' END,
                  at - interval '3 days', at
           FROM (
               SELECT s.reform_id, s.unit_id, p.id AS period_id,
                      CASE WHEN x < 0.85 THEN 'approved' WHEN x < 0.90 THEN 'submitted'
                           WHEN x < 0.92 THEN 'returned' ELSE 'draft' END AS state,
                      -- Never in the future: the current period's reports are the early ones.
                      LEAST((p.due_on + ((random() * 12)::int - 8) * interval '1 day' + interval '10 hours')
                                ::timestamptz, now() - random() * interval '3 days') AS at
               FROM reforms_responsibility s
               JOIN reforms_reform r ON r.id = s.reform_id
               JOIN tracker_reportingperiod p ON p.batch_id = r.batch_id
               CROSS JOIN LATERAL (
                   SELECT random() + 0 * s.id + 0 * p.id AS x, random() + 0 * s.id + 0 * p.id AS keep
               ) v
               WHERE v.keep < 0.96
           ) o""",
        [user.pk, reviewer.pk],
    )
    sql("ANALYZE")


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
            batches=args.batches,
            reforms_per_batch=args.reforms_per_batch,
            units=args.units,
            units_per_reform=args.units_per_reform,
            periods=args.periods,
            interval=args.interval,
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
