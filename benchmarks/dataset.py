"""Build a benchmark data set in PostgreSQL, from a seed, in SQL (INSERT ... SELECT generate_series).

    DATABASE_URL=postgres://postgres@127.0.0.1:18701/bench .venv/bin/python benchmarks/dataset.py --scale medium

Scales (docs/benchmarks.md has the figures each gives):
- small: the real shape of the first batch, 38 reforms x 16 cities, a year of monthly reports;
- medium: about 100,000 reports (1,000 reforms, 300 units, 50 cities);
- large: 10,000 reforms, 3,000 units, 300 cities, about 1,000,000 reports with city lines, over 100,000 open
  obligations.

The database is migrated, emptied (the domain tables only) and filled; `setseed()` makes the same seed give the
same rows. Then the statistics rollup is built and the benchmark users created (with API tokens, printed as JSON on
the last line for benchmarks/load.py). Never point it at a database whose data you want to keep.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Shape:
    batches: int
    reforms_per_batch: int
    units: int
    units_per_reform: int
    cities: int
    periods: int
    interval: str = "month"
    city_lines: int = 0  # per report
    keep: float = 0.96  # share of obligations with a report


SCALES = {
    "small": Shape(batches=1, reforms_per_batch=38, units=30, units_per_reform=2, cities=16, periods=12, city_lines=2),
    "medium": Shape(
        batches=4, reforms_per_batch=250, units=300, units_per_reform=2, cities=50, periods=52, city_lines=1
    ),
    "large": Shape(
        batches=20, reforms_per_batch=500, units=3000, units_per_reform=2, cities=300, periods=52, city_lines=2
    ),
}

# The 16 prefecture-level cities of Shandong first; further (made-up) cities after them for the larger shapes.
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
    print(message, file=sys.stderr, flush=True)


def sql(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def cities(count: int) -> list[tuple[str, str]]:
    extra = [(f"9{i:05d}", f"基准城市{i:03d}") for i in range(count - len(CITIES))]
    return (CITIES + extra)[:count]


def fill(shape: Shape, *, seed: float = 0.42) -> None:
    """Everything in SQL: each statement writes one table with generate_series; random() seeded once."""
    from django.contrib.auth import get_user_model

    from tracker.reminders.models import Obligation
    from units.models import City, Unit

    sql("SELECT setseed(%s)", [seed])
    # The whole fill as a restore would load it (replica role): no audit trail (pghistory's triggers write one
    # event row per inserted row: the 2.2 million rollout targets of the large set took over half an hour), no
    # immutability trigger, no foreign-key triggers (the statements join existing rows only).
    sql("SET session_replication_role = replica")
    author = get_user_model().objects.create_user("bench-author", password="x")
    reviewer = get_user_model().objects.create_user("bench-reviewer", password="x")
    City.objects.bulk_create([City(code=code, name=name) for code, name in cities(shape.cities)])
    Unit.objects.bulk_create(
        [Unit(name=f"基准测试单位{i:04d}", kind="provincial_department") for i in range(shape.units)], batch_size=5000
    )
    # Issued in 2016, due at the end of 2030: every period gets its obligations.
    sql(
        """INSERT INTO reforms_batch (code, title, document_number, issued_on, reporting_rules, default_deadline)
           SELECT 'bench-' || b, '基准批次' || b, '', DATE '2016-01-01' + b * 7, '', DATE '2030-12-31'
           FROM generate_series(1, %s) b""",
        [shape.batches],
    )
    sql(
        """INSERT INTO reforms_reform (batch_id, category, number, position, code, title, content, scope,
                                       needs_verification, verification_note, deadline)
           SELECT b.id, CASE WHEN n <= 10 THEN 'pilot' ELSE 'best_practice' END,
                  CASE WHEN n <= 10 THEN n ELSE n - 10 END, n, b.code || '-' || n, '基准改革事项' || b.code || '-' || n,
                  '内容', CASE WHEN n %% 5 < 3 THEN 'all_cities' ELSE 'qualified_cities' END, false, '', NULL
           FROM reforms_batch b CROSS JOIN generate_series(1, %s) n""",
        [shape.reforms_per_batch],
    )
    first_unit = Unit.objects.order_by("id").values_list("id", flat=True).first()
    # Units spread over the reforms (k * 997 keeps a reform's units apart); the first unit, the reporter's, leads
    # a share of them like any other.
    sql(
        """INSERT INTO reforms_responsibility (reform_id, unit_id, role, position)
           SELECT r.id, %s + (r.id * 7 + k * 997) %% %s, CASE WHEN k = 1 THEN 'lead' ELSE 'co' END, k
           FROM reforms_reform r CROSS JOIN generate_series(1, %s) k""",
        [first_unit, shape.units, shape.units_per_reform],
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
    if shape.interval == "week":  # weeks from Monday, due on the Friday after
        step, last, code, label, due, length = (
            "1 week",
            "DATE '2026-11-16'",
            """to_char(m, 'IYYY-"W"IW')""",
            """to_char(m, 'IYYY"年第"IW"周"')""",
            "11 days",
            "6 days",
        )
    else:  # months, due on the 10th of the next
        step, last, code, label, due, length = (
            "1 month",
            "DATE '2026-10-01'",
            "to_char(m, 'YYYY-MM')",
            """to_char(m, 'YYYY"年"MM"月"')""",
            "1 month 9 days",
            "1 month - 1 day",
        )
    sql(
        f"""INSERT INTO tracker_reportingperiod (batch_id, code, label, starts_on, ends_on, due_on)
            SELECT b.id, {code}, {label}, m::date, (m + interval '{length}')::date, (m + interval '{due}')::date
            FROM reforms_batch b
            CROSS JOIN generate_series({last} - (%s - 1) * interval '{step}', {last}, interval '{step}') m""",
        [shape.periods],
    )
    # The obligations tracker.reminders derives: every responsible unit, every period. Columns as the table has
    # them now (the reminders' own fields get their defaults).
    from django.db import connection

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
        if column in present and column not in values and column not in ("id", "met_at"):
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
    # One report for `keep` of the obligations: mostly approved, some submitted, returned or still drafts;
    # submitted around the due date (a third of them late), never in the future.
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
               SELECT o.reform_id, o.unit_id, o.period_id,
                      CASE WHEN x < 0.85 THEN 'approved' WHEN x < 0.90 THEN 'submitted'
                           WHEN x < 0.92 THEN 'returned' ELSE 'draft' END AS state,
                      LEAST((o.due_on + ((random() * 12)::int - 8) * interval '1 day' + interval '10 hours')
                                ::timestamptz, now() - random() * interval '3 days') AS at
               FROM reminders_obligation o
               CROSS JOIN LATERAL (
                   SELECT random() + 0 * o.id AS x, random() + 0 * o.id AS keep
               ) v
               WHERE v.keep < %s
           ) o""",
        [author.pk, reviewer.pk, shape.keep],
    )
    # Met: a report was submitted. What is left is the open obligations the reminder sweep walks.
    sql(
        """UPDATE reminders_obligation o SET met_at = r.submitted_at
           FROM tracker_progressreport r
           WHERE r.reform_id = o.reform_id AND r.unit_id = o.unit_id AND r.period_id = o.period_id
             AND r.submitted_at IS NOT NULL"""
    )
    if shape.city_lines:
        # Lines for the report's reform's target cities: the first `city_lines` of them in a per-report order. The
        # immutability trigger refuses lines on submitted reports: the replica role (above) bypasses it as a
        # restore would; the lines are what those reports were submitted with.
        sql(
            """INSERT INTO tracker_reportcityline (report_id, city_id, status, note)
               SELECT r.id, t.city_id, t.status, ''
               FROM tracker_progressreport r
               CROSS JOIN LATERAL (
                   SELECT city_id, CASE WHEN status = 'not_applicable' THEN 'in_progress' ELSE status END AS status
                   FROM reforms_rollouttarget t WHERE t.reform_id = r.reform_id
                   ORDER BY (t.city_id * 31 + r.id) %% 101 LIMIT %s
               ) t""",
            [shape.city_lines],
        )
    sql("SET session_replication_role = DEFAULT")
    sql("ANALYZE")


def users() -> dict:
    """The benchmark's personas and their API tokens: the office, and a reporter of the first unit."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from core.access import OFFICE_GROUP, UNIT_STAFF_GROUP
    from units.models import Membership, Unit

    User = get_user_model()
    office = User.objects.create_user("bench-office", password="x", is_staff=True)
    office.groups.add(Group.objects.get(name=OFFICE_GROUP))
    reporter = User.objects.create_user("bench-reporter", password="x", is_staff=True)
    reporter.groups.add(Group.objects.get(name=UNIT_STAFF_GROUP))
    unit = Unit.objects.order_by("id").first()
    Membership.objects.create(user=reporter, unit=unit)
    return {
        "office_token": Token.objects.create(user=office).key,
        "reporter_token": Token.objects.create(user=reporter).key,
        "unit_id": unit.pk,
    }


def counts() -> dict:
    from django.db import connection

    tables = {
        "reforms": "reforms_reform",
        "units": "units_unit",
        "cities": "units_city",
        "reports": "tracker_progressreport",
        "city_lines": "tracker_reportcityline",
        "obligations": "reminders_obligation",
    }
    with connection.cursor() as cursor:
        found = {}
        for name, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")
            found[name] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM reminders_obligation WHERE met_at IS NULL")
        found["open_obligations"] = cursor.fetchone()[0]
    return found


def build(scale: str, *, seed: float = 0.42, shape: Shape | None = None) -> dict:
    """Migrate, empty, fill, build the rollup, create the users; returns what load.py needs and the counts."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from tracker.stats.services import stats_refresh

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs PostgreSQL: set DATABASE_URL.")
    shape = shape or SCALES[scale]
    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    get_user_model().objects.filter(username__startswith="bench-").delete()
    timings["migrate_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    fill(shape, seed=seed)
    timings["fill_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    stats_refresh(full=True)
    timings["rollup_s"] = round(time.perf_counter() - started, 1)
    sql("ANALYZE")
    return {"scale": scale, "shape": asdict(shape), **counts(), **timings, **users()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seed", type=float, default=0.42, help="setseed() value, between -1 and 1")
    parser.add_argument("--output", type=Path, help="also write the result (JSON) to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    result = build(args.scale, seed=args.seed)
    text = json.dumps(result, ensure_ascii=False)
    if args.output:
        args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
