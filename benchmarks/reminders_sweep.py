#!/usr/bin/env python
"""Benchmark: the reminder sweep over 100,000 due obligations on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:55433/rollout .venv/bin/python benchmarks/reminders_sweep.py

Creates a throwaway database `<name>_bench` next to the one DATABASE_URL names (dropped first if it exists), migrates
it, and fills it with units (each with --members e-mail recipients), reforms each with four responsible units, and
one reporting period due on the sweep's day, so every obligation is due. Then:

1. one sweep alone: derive (nothing new), record one reminder per obligation and recipient (inserted claimed);
2. the reminders emptied, two sweeps in two processes started at the same instant, racing to record and claim them;
3. every claim's lease made expired (as if a worker had lost them all), two sweeps racing to take them over (the
   conditional UPDATE over FOR UPDATE SKIP LOCKED).

It prints the time of each phase, checks that no reminder was recorded twice (the unique constraints) and that
every reminder is held by exactly one of the two racing sweeps, and prints the machine. Nothing is enqueued
(the benchmark measures the database work; delivery is one task per recipient after that). Target: record + claim
under 10 s, zero duplicates.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TODAY = datetime.date(2026, 3, 5)  # a Thursday; February's reports are due that day


def bench_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def populate(*, obligations: int, units: int, members: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from reforms.choices import Category, ResponsibilityRole, Scope
    from reforms.models import Batch, Reform, Responsibility
    from tracker.reminders.choices import RuleKind
    from tracker.reminders.models import ReportingRule
    from tracker.reminders.services import obligations_refresh
    from units.choices import UnitKind
    from units.models import Membership, Unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    per_reform = 4
    reforms = obligations // per_reform
    unit_rows = Unit.objects.bulk_create(
        [Unit(name=f"基准单位{i:05d}", kind=UnitKind.PROVINCIAL_DEPARTMENT) for i in range(units)]
    )
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench{i:06d}", email=f"bench{i:06d}@example.org") for i in range(units * members)]
    )
    Membership.objects.bulk_create(
        [Membership(user=users[u * members + m], unit=unit_rows[u]) for u in range(units) for m in range(members)]
    )
    batch = Batch.objects.create(code="bench", title="基准批次", issued_on=datetime.date(2026, 2, 1))
    ReportingRule.objects.create(
        batch=batch,
        kind=RuleKind.MONTHLY,
        due_day=5,
        starts_on=datetime.date(2026, 2, 1),
        ends_on=datetime.date(2026, 2, 1),
    )
    reform_rows = Reform.objects.bulk_create(
        [
            Reform(
                batch=batch,
                category=Category.BEST_PRACTICE,
                number=i + 1,
                position=i + 1,
                code=f"bench-{i:06d}",
                title=f"基准改革事项{i}",
                scope=Scope.ALL_CITIES,
            )
            for i in range(reforms)
        ],
        batch_size=5000,
    )
    Responsibility.objects.bulk_create(
        [
            Responsibility(
                reform=r,
                unit=unit_rows[(i * per_reform + k) % units],
                role=ResponsibilityRole.LEAD if k == 0 else ResponsibilityRole.CO,
                position=k,
            )
            for i, r in enumerate(reform_rows)
            for k in range(per_reform)
        ],
        batch_size=10000,
    )
    filled = time.perf_counter()
    refresh = obligations_refresh(today=TODAY)
    derived = time.perf_counter()
    return {
        "migrate_s": round(migrated - started, 2),
        "fill_s": round(filled - migrated, 2),
        "derive_obligations_s": round(derived - filled, 2),
        "periods": refresh.periods_created,
        "obligations": refresh.obligations_created,
        "units": units,
        "recipients": units * members,
        "reforms": reforms,
    }


def run_sweep(start_at: float | None = None) -> dict:
    """One sweep of TODAY, optionally waiting for a shared start instant; returns its figures."""
    import django.db

    from tracker.reminders.services import reminders_sweep

    django.db.connection.ensure_connection()
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    began = time.perf_counter()
    result = reminders_sweep(today=TODAY, enqueue=False)
    total = time.perf_counter() - began
    return {
        "total_s": round(total, 3),
        "refresh_s": round(result.seconds.get("refresh", 0), 3),
        "record_s": round(result.seconds.get("record", 0), 3),
        "claim_s": round(result.seconds.get("claim", 0), 3),
        "record_and_claim_s": round(result.seconds.get("record", 0) + result.seconds.get("claim", 0), 3),
        "recorded": result.reminders_recorded,
        "claimed": result.reminders_claimed,
        "digests": len(result.deliveries),
        "claims": sorted({d.claim for d in result.deliveries}),
    }


def check() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reminders_reminder")
        rows = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM (SELECT 1 FROM reminders_reminder
                GROUP BY obligation_id, cycle, step, occurs_on, manual, channel, recipient_id, webhook_id
                HAVING count(*) > 1) AS d"""
        )
        duplicate_keys = cursor.fetchone()[0]
        cursor.execute("SELECT claim::text, count(*) FROM reminders_reminder GROUP BY claim")
        by_claim = dict(cursor.fetchall())
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]
    return {"rows": rows, "duplicate_keys": duplicate_keys, "by_claim": by_claim, "postgres": version}


def machine() -> dict:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line), ""
        )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--obligations", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--members", type=int, default=1, help="e-mail recipients per unit")
    parser.add_argument("--racer", type=float, help=argparse.SUPPRESS)  # internal: one racing sweep
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:55433/rollout")
    url = bench_url(base) if not base.rstrip("/").endswith("_bench") else base

    if args.racer is not None:
        setup_django(url)
        print(json.dumps(run_sweep(start_at=args.racer)))
        return

    recreate_database(url)
    setup_django(url)
    from django.db.models import F

    from tracker.reminders.models import Reminder

    print(f"database: {urlsplit(url).path.lstrip('/')} (throwaway)")
    setup = populate(obligations=args.obligations, units=args.units, members=args.members)
    print("setup:", json.dumps(setup, ensure_ascii=False))

    alone = run_sweep()
    checked = check()
    print("one sweep alone:", json.dumps({k: v for k, v in alone.items() if k != "claims"}))
    expected = setup["obligations"] * args.members

    # Race 1: both sweeps record and claim the same 100,000 new reminders.
    Reminder.objects.all().delete()
    raced_new = race(url)
    # Race 2: both sweeps take over the same 100,000 claims whose lease expired (a worker lost them all).
    Reminder.objects.update(claimed_at=F("claimed_at") - datetime.timedelta(days=1))
    raced_expired = race(url)

    print()
    print(f"reminders expected {expected}; recorded alone {checked['rows']}")
    ok = checked["rows"] == expected and checked["duplicate_keys"] == 0 and alone["record_and_claim_s"] < 10
    for name, (results, after) in (("new reminders", raced_new), ("expired leases", raced_expired)):
        claimed_each = [r["claimed"] for r in results]
        rows_per_token = {claim: after["by_claim"].get(claim, 0) for r in results for claim in r["claims"]}
        print(
            f"race over {name}: rows {after['rows']}, duplicate keys {after['duplicate_keys']}, claimed per sweep "
            f"{claimed_each} (sum {sum(claimed_each)}), rows per claim token {sorted(rows_per_token.values())}"
        )
        ok = ok and after["rows"] == expected and after["duplicate_keys"] == 0
        # Every row held by exactly one of the two tokens, and each sweep holds what it says it claimed.
        ok = ok and sum(claimed_each) == expected == sum(rows_per_token.values())
    print(f"record + claim, one sweep: {alone['record_and_claim_s']} s (target < 10 s)")
    print("machine:", json.dumps({**machine(), "postgres": checked["postgres"]}, ensure_ascii=False))
    print("RESULT:", "OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


def race(url: str) -> tuple[list[dict], dict]:
    """Two sweeps in two processes, started at the same instant; their figures and the table after them."""
    from django.db import connection

    connection.close()
    start_at = time.time() + 3.0  # both processes have set Django up by then
    env = {**os.environ, "DATABASE_URL": url}
    racers = [
        subprocess.Popen(
            [sys.executable, __file__, "--racer", str(start_at)], stdout=subprocess.PIPE, env=env, text=True
        )
        for _ in range(2)
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in racers]
    for i, r in enumerate(results, 1):
        print(f"  racing sweep {i}:", json.dumps({k: v for k, v in r.items() if k != "claims"}))
    return results, check()


if __name__ == "__main__":
    main()
