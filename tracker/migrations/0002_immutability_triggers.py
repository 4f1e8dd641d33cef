"""Database guard for frozen reports (PostgreSQL only).

Submitted and approved reports must not change, not through the API, the admin, nor a stray QuerySet.update() or
a hand-written SQL statement. The services already refuse; these triggers make the database refuse as well:

- tracker_progressreport: once submitted, the content columns are fixed; only the review columns (state, version,
  updated_at, reviewed_at, reviewer_id, review_comment) may move, and only to approved or returned. An approved
  report does not change at all. A report that was ever submitted cannot be deleted.
- tracker_reportcityline, tracker_attachment: no insert, update or delete while their report is submitted or
  approved. The report row is read FOR SHARE, so a child write racing a submit waits for it and then sees the
  new state (a plain read would see the old one and slip a line or a file past the snapshot).
- tracker_reportrevision: append-only.
- tracker_reporttransition: append-only, except when a never-submitted draft is deleted with its history.

Errors use SQLSTATE 23001 (restrict_violation), which Django raises as IntegrityError.
SQLite, the zero-setup database, has no such guard; the services are the only check there.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION tracker_guard_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('submitted', 'approved') OR OLD.revision > 0 THEN
            RAISE EXCEPTION 'tracker: progress report % was submitted and cannot be deleted', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'approved' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'tracker: progress report % is approved and cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.state = 'submitted' THEN
        IF (NEW.reform_id, NEW.unit_id, NEW.period_id, NEW.author_id, NEW.status, NEW.percent, NEW.work_done,
            NEW.problems, NEW.next_steps, NEW.revision, NEW.submitted_at, NEW.created_at)
           IS DISTINCT FROM
           (OLD.reform_id, OLD.unit_id, OLD.period_id, OLD.author_id, OLD.status, OLD.percent, OLD.work_done,
            OLD.problems, OLD.next_steps, OLD.revision, OLD.submitted_at, OLD.created_at) THEN
            RAISE EXCEPTION 'tracker: progress report % is submitted; its content cannot change', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.state NOT IN ('submitted', 'approved', 'returned') THEN
            RAISE EXCEPTION 'tracker: progress report % is submitted and can only be approved or returned', OLD.id
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION tracker_guard_report_child() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    report_state varchar;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT state INTO report_state FROM tracker_progressreport WHERE id = OLD.report_id FOR SHARE;
        IF report_state IN ('submitted', 'approved') THEN
            RAISE EXCEPTION 'tracker: % rows of progress report % cannot change once it is submitted',
                TG_TABLE_NAME, OLD.report_id USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT state INTO report_state FROM tracker_progressreport WHERE id = NEW.report_id FOR SHARE;
        IF report_state IN ('submitted', 'approved') THEN
            RAISE EXCEPTION 'tracker: % rows of progress report % cannot change once it is submitted',
                TG_TABLE_NAME, NEW.report_id USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$;

CREATE FUNCTION tracker_guard_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'tracker_reporttransition' AND EXISTS (
        SELECT 1 FROM tracker_progressreport WHERE id = OLD.report_id AND state = 'draft' AND revision = 0
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'tracker: % is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER tracker_report_guard BEFORE UPDATE OR DELETE ON tracker_progressreport
    FOR EACH ROW EXECUTE FUNCTION tracker_guard_report();
CREATE TRIGGER tracker_cityline_guard BEFORE INSERT OR UPDATE OR DELETE ON tracker_reportcityline
    FOR EACH ROW EXECUTE FUNCTION tracker_guard_report_child();
CREATE TRIGGER tracker_attachment_guard BEFORE INSERT OR UPDATE OR DELETE ON tracker_attachment
    FOR EACH ROW EXECUTE FUNCTION tracker_guard_report_child();
CREATE TRIGGER tracker_revision_guard BEFORE UPDATE OR DELETE ON tracker_reportrevision
    FOR EACH ROW EXECUTE FUNCTION tracker_guard_history();
CREATE TRIGGER tracker_transition_guard BEFORE UPDATE OR DELETE ON tracker_reporttransition
    FOR EACH ROW EXECUTE FUNCTION tracker_guard_history();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS tracker_transition_guard ON tracker_reporttransition;
DROP TRIGGER IF EXISTS tracker_revision_guard ON tracker_reportrevision;
DROP TRIGGER IF EXISTS tracker_attachment_guard ON tracker_attachment;
DROP TRIGGER IF EXISTS tracker_cityline_guard ON tracker_reportcityline;
DROP TRIGGER IF EXISTS tracker_report_guard ON tracker_progressreport;
DROP FUNCTION IF EXISTS tracker_guard_history();
DROP FUNCTION IF EXISTS tracker_guard_report_child();
DROP FUNCTION IF EXISTS tracker_guard_report();
"""


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite in the zero-setup mode has no PL/pgSQL)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [RunSQLOnPostgreSQL(FORWARD, BACKWARD)]
