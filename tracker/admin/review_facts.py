"""What the office needs to decide on a submitted report, shown above the report beside the decision buttons: when
it was due, how late it came, and what changed since the revision submitted before it."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reforms.choices import TargetStatus

from ..models import ProgressReport
from ..reminders.models import Obligation

# The narrative fields of a revision, compared as whole texts.
NARRATIVES = (
    ("work_done", gettext_lazy("work done")),
    ("problems", gettext_lazy("problems")),
    ("next_steps", gettext_lazy("next steps")),
)


@dataclass
class ReviewFacts:
    due_on: date
    submitted_on: date | None
    # Days past the due date at the latest submission; 0 when on time.
    days_late: int
    revision: int
    # One sentence per difference from the revision before this one; empty for a first submission.
    changes: list[str] = field(default_factory=list)


def report_due_on(report: ProgressReport) -> date:
    """The due date the reminders chased the unit for (its obligation's), else the period's."""
    owed = Obligation.objects.filter(
        kind="report", reform_id=report.reform_id, unit_id=report.unit_id, period_id=report.period_id
    )
    return owed.values_list("due_on", flat=True).first() or report.period.due_on


def revision_changes(previous: dict, current: dict) -> list[str]:
    """The differences between two revision snapshots (tracker.services.report_snapshot), as plain sentences."""
    statuses = dict(TargetStatus.choices)
    changes = []
    before = (statuses.get(previous.get("status"), ""), previous.get("percent"))
    after = (statuses.get(current.get("status"), ""), current.get("percent"))
    if before != after:
        changes.append(
            _("Overall progress: %(before)s → %(after)s")
            % {"before": f"{before[0]} {before[1]}%", "after": f"{after[0]} {after[1]}%"}
        )
    for key, label in NARRATIVES:
        if (previous.get(key) or "").strip() != (current.get(key) or "").strip():
            changes.append(_("%(field)s rewritten") % {"field": label})
    old_lines = {line["city"]: line for line in previous.get("city_lines", [])}
    for line in current.get("city_lines", []):
        old = old_lines.get(line["city"], {})
        if old.get("status") != line.get("status"):
            changes.append(
                _("%(city)s: %(before)s → %(after)s")
                % {
                    "city": line.get("city_name", line["city"]),
                    "before": statuses.get(old.get("status"), "—"),
                    "after": statuses.get(line.get("status"), ""),
                }
            )
        elif (old.get("note") or "") != (line.get("note") or ""):
            changes.append(_("%(city)s: note changed") % {"city": line.get("city_name", line["city"])})
    old_files = {a["sha256"] for a in previous.get("attachments", [])}
    added = [a["name"] for a in current.get("attachments", []) if a["sha256"] not in old_files]
    new_files = {a["sha256"] for a in current.get("attachments", [])}
    removed = [a["name"] for a in previous.get("attachments", []) if a["sha256"] not in new_files]
    if added:
        changes.append(_("Attachments added: %(names)s") % {"names": "、".join(added)})
    if removed:
        changes.append(_("Attachments removed: %(names)s") % {"names": "、".join(removed)})
    return changes


def review_facts(report: ProgressReport) -> ReviewFacts:
    due_on = report_due_on(report)
    submitted_on = timezone.localdate(report.submitted_at) if report.submitted_at else None
    days_late = max(0, (submitted_on - due_on).days) if submitted_on else 0
    # The last two revisions: the one under review and the one the office saw (and returned) before it.
    latest = list(report.revisions.order_by("-number").values_list("data", flat=True)[:2])
    changes = revision_changes(latest[1], latest[0]) if len(latest) == 2 else []
    return ReviewFacts(
        due_on=due_on, submitted_on=submitted_on, days_late=days_late, revision=report.revision, changes=changes
    )
