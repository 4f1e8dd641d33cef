"""Backup and restore, proven: scripts/backup dumps the test database (pg_dump, custom format) and the evidence
files, scripts/restore loads them into a new, empty database and directory, and every row of the reforms, reports,
revisions, transitions, attachments, reminders and audit trail is there, identical, with every file.

Real pg_dump/pg_restore of the PostgreSQL cluster scripts/test started; the rows must be committed for pg_dump to
see them, hence transactional_db.
"""

import datetime
import hashlib
import os
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from audit.context import audit_context, user_values
from reforms.models import Reform
from tracker import services
from tracker.choices import ReportState
from tracker.models import Attachment, ProgressReport, ReportRevision, ReportTransition
from tracker.reminders.choices import Channel, Step
from tracker.reminders.models import Obligation, Reminder
from tracker.tests import samples

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgresql")]

ROOT = Path(settings.BASE_DIR)
DOMAIN_MODELS = [Reform, ProgressReport, ReportRevision, ReportTransition, Attachment, Obligation, Reminder]
AUDIT_MODELS = [m for m in apps.get_app_config("audit").get_models() if m._meta.managed and not m._meta.proxy]


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{name}"


def _fingerprint(url: str, table: str) -> tuple[int, str]:
    """Row count and a digest of every row, in primary-key order: equal fingerprints, equal tables."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY 1), '')) FROM \"{table}\" t"
        ).fetchone()
    return row[0], row[1]


def _world(reporter, reform_a, make_report):
    """Reports in every state, with a revision history, attachments on disk, a reminder and audit rows."""
    with audit_context(**user_values(reporter), process="web", request_id="req-backup-0001"):
        approved = make_report(reporter, reform_a, state=ReportState.APPROVED)
        returned = make_report(reporter, reform_a, state=ReportState.RETURNED, period=_period(approved, 10))
        draft = make_report(reporter, reform_a, period=_period(approved, 9))
        for report in (returned, draft):
            services.attachment_add(report=report, user=reporter, file=samples.upload("佐证.pdf", samples.pdf()))
            services.attachment_add(report=report, user=reporter, file=samples.upload("现场.png", samples.png()))
    obligation = Obligation.objects.create(
        reform=reform_a, unit=draft.unit, period=draft.period, due_on=datetime.date(2026, 12, 5)
    )
    Reminder.objects.create(
        obligation=obligation,
        step=Step.REMIND,
        occurs_on=datetime.date(2026, 12, 1),
        as_of=datetime.date(2026, 12, 1),
        channel=Channel.EMAIL,
        recipient=reporter,
    )


def _period(report, month: int):
    from tracker.tests.factories import ReportingPeriodFactory

    return ReportingPeriodFactory(
        batch=report.period.batch,
        code=f"2026-{month:02d}",
        starts_on=datetime.date(2026, month, 1),
        ends_on=datetime.date(2026, month, 28),
        due_on=datetime.date(2026, month + 1, 5),
    )


def test_a_full_backup_restores_into_an_empty_database_with_every_row_and_file(
    reporter,
    office,
    reform_a,
    make_report,
    tmp_path,
):
    media = Path(settings.MEDIA_ROOT)
    _world(reporter, reform_a, make_report)
    assert Attachment.objects.count() == 4 and Reminder.objects.count() == 1
    source = _url(connection.settings_dict["NAME"])
    target_name = f"restore_{os.getpid()}"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        conn.execute(f'CREATE DATABASE "{target_name}"')
    target = _url(target_name)
    restored_media = tmp_path / "restored-media"
    backups = tmp_path / "backups"
    try:
        env = {**os.environ, "DATABASE_URL": source, "DJANGO_MEDIA_ROOT": str(media)}
        subprocess.run([ROOT / "scripts" / "backup", str(backups)], env=env, check=True, capture_output=True)
        dump = next(backups.glob("*.dump"))
        tarball = next(backups.glob("*-media.tar.gz"))

        env = {**os.environ, "DATABASE_URL": target, "DJANGO_MEDIA_ROOT": str(restored_media)}
        result = subprocess.run(
            [ROOT / "scripts" / "restore", str(dump), str(tarball)], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr

        compared = {}
        for model in DOMAIN_MODELS + AUDIT_MODELS:
            table = model._meta.db_table
            original = _fingerprint(source, table)
            assert _fingerprint(target, table) == original, table
            compared[table] = original[0]
        assert compared["tracker_reportrevision"] >= 2 and compared["tracker_reporttransition"] >= 7
        # Created, submitted, approved; created, submitted, returned; created.
        assert compared["audit_progressreportevent"] == 7
        for attachment in Attachment.objects.all():
            restored = restored_media / attachment.file.name
            assert hashlib.sha256(restored.read_bytes()).hexdigest() == attachment.sha256

        # The restored database still protects its trail and refuses a second restore on top of it.
        with psycopg.connect(target) as conn, pytest.raises(psycopg.errors.RaiseException):
            conn.execute("DELETE FROM audit_progressreportevent")
        again = subprocess.run(
            [ROOT / "scripts" / "restore", str(dump), str(tarball)], env=env, capture_output=True, text=True
        )
        assert again.returncode != 0 and "not empty" in again.stderr
        print(f"restore compared {sum(compared.values())} rows in {len(compared)} tables")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
