"""The rows shown with a report: city lines, attachments, uploads, and its history (transitions and revisions).

Rows follow their report: the unit edits them while the report is a draft or returned; otherwise, and for the
office, they are read-only. None of them is saved by its formset: ProgressReportAdmin.save_related() hands them to
the services.
"""

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import access
from reforms.choices import TargetStatus
from reforms.models import RolloutTarget

from ..models import Attachment, ProgressReport, ReportCityLine, ReportRevision, ReportTransition
from ..services import MAX_ATTACHMENTS_PER_REPORT
from ..services.reports.drafting import city_line_claims
from .display import person, state_badge
from .filing import add_page_initial, reform_of_add_page
from .forms import CityLineForm, CityLineFormSet, UploadForm, UploadFormSet

# Tables on a desktop, a card per row at a phone's width (the cells carry their column's name).
CARDS_TEMPLATE = "admin/edit_inline/tabular_cards.html"


def report_editable(request, report) -> bool:
    """The add page (report None) is open to members of a unit; a report, while it is editable by the user."""
    if report is None:
        return bool(access.unit_ids_of(request.user))
    return report.is_editable_by(request.user)


class ReadOnlyInline(admin.TabularInline):
    """History rows: shown with an existing report, never added, changed or deleted in the admin."""

    template = CARDS_TEMPLATE

    extra = 0
    can_delete = False
    shown_on_add_page = False

    def has_add_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "add")

    def has_change_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "change")

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.by_hand(self.opts.label_lower, "delete")


class CityLineInline(admin.TabularInline):
    template = CARDS_TEMPLATE
    model = ReportCityLine
    form = CityLineForm
    formset = CityLineFormSet
    fields = ["city", "status", "note"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("city")

    def has_add_permission(self, request, obj=None) -> bool:
        return report_editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return report_editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A line stays once written; report_update() upserts by city and never removes one.
        return access.by_hand("tracker.reportcityline", "delete")

    def missing_targets(self, request, report) -> list[RolloutTarget]:
        """Target cities of the report's reform without a line yet: each becomes a new, prefilled row.

        On the add page that is every target of the reform picked through ?reform=. Cached on the request: the
        admin asks for the extra count, the maximum and the initial data separately.
        """
        key = (report.pk if report else None, request.GET.get("reform"))
        cache = request.__dict__.setdefault("_tracker_missing_targets", {})
        if key not in cache:
            reform = report.reform if report is not None else reform_of_add_page(request)
            targets = []
            if reform is not None:
                targets = RolloutTarget.objects.filter(reform=reform).select_related("city").order_by("city__code")
                if report is not None:
                    targets = targets.exclude(city__in=report.city_lines.values("city"))
            cache[key] = list(targets)
        return cache[key]

    def initial_rows(self, request, report) -> list[dict]:
        # Where each city stands now, as report_create() would prefill it (with what the cities reported and the
        # lead confirmed): the unit changes only what moved.
        if report is not None and report.pk is None:
            report = None  # the add page's blank instance
        claimed = self._claims_of_add_page(request) if report is None else {}
        return [
            {
                "city": target.city_id,
                "status": target.status
                if target.status == TargetStatus.NOT_APPLICABLE
                else claimed.get(target.city_id, target.status),
                "note": target.not_applicable_reason if target.status == TargetStatus.NOT_APPLICABLE else "",
            }
            for target in self.missing_targets(request, report)
        ]

    @staticmethod
    def _claims_of_add_page(request) -> dict[int, str]:
        reform = reform_of_add_page(request)
        initial = add_page_initial(request, {key: request.GET.get(key) for key in ("unit", "period")})
        unit, period = initial.get("unit"), initial.get("period")
        if reform is None or not str(unit or "").isdigit() or not str(period or "").isdigit():
            return {}
        return city_line_claims(ProgressReport(reform=reform, unit_id=int(unit), period_id=int(period)))

    def get_extra(self, request, obj=None, **kwargs) -> int:
        if not self.has_add_permission(request, obj):
            return 0
        return len(self.missing_targets(request, obj))

    def get_max_num(self, request, obj=None, **kwargs) -> int:
        # Exactly the rows shown, so no "add another" link offers a row without a city...
        existing = obj.city_lines.count() if obj is not None else 0
        return existing + self.get_extra(request, obj)

    def get_min_num(self, request, obj=None, **kwargs) -> int:
        # ... and no row offers to be removed (the admin's script adds a remove button to rows above the minimum).
        return self.get_max_num(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "city" and formfield is not None:
            # The city is fixed; links to view, change or add one beside it are clutter.
            for flag in ("can_add_related", "can_change_related", "can_delete_related", "can_view_related"):
                setattr(formfield.widget, flag, False)
        return formfield


class AttachmentInline(admin.TabularInline):
    """The evidence already stored: a download link per file, and removal while the report is editable."""

    template = CARDS_TEMPLATE

    model = Attachment
    fields = ["download", "kind", "size_display", "uploaded_by_name", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("attachments")
    shown_on_add_page = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # new files come through UploadInline

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is not None and report_editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and report_editable(request, obj) and super().has_delete_permission(request, obj)

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        # Through the API's download endpoint, which checks the report's scope: MEDIA_ROOT has no public URL.
        try:
            url = reverse("tracker-api:report-attachment-download", kwargs={"report_id": obj.report_id, "pk": obj.pk})
        except NoReverseMatch:
            return obj.original_name
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=_("content type"))
    def kind(self, obj: Attachment) -> str:
        return obj.content_type

    @admin.display(description=_("size"))
    def size_display(self, obj: Attachment) -> str:
        return _("%(size)s KB") % {"size": number_format(max(1, round(obj.size / 1024)))}

    @admin.display(description=_("uploaded by"))
    def uploaded_by_name(self, obj: Attachment) -> str:
        return person(obj.uploaded_by)


class UploadInline(admin.TabularInline):
    """Empty file fields for new evidence, only while the report is editable; attachment_add() stores each file."""

    template = CARDS_TEMPLATE

    model = Attachment
    form = UploadForm
    formset = UploadFormSet
    fields = ["upload"]
    extra = 1
    can_delete = False
    verbose_name = _("new attachment")
    verbose_name_plural = _("add attachments")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None) -> bool:
        return report_editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # Its rows are all new; without this the admin would show the file field as a read-only label.
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def get_max_num(self, request, obj=None, **kwargs) -> int:
        stored = obj.attachments.count() if obj is not None else 0
        return max(0, MAX_ATTACHMENTS_PER_REPORT - stored)

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return min(self.extra, self.get_max_num(request, obj))


class TransitionInline(ReadOnlyInline):
    model = ReportTransition
    fields = ["at", "actor_name", "from_badge", "to_badge", "revision", "comment"]
    readonly_fields = fields
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("by"))
    def actor_name(self, obj: ReportTransition) -> str:
        return person(obj.actor)

    @admin.display(description=_("from"))
    def from_badge(self, obj: ReportTransition) -> str:
        return state_badge(obj.from_state) if obj.from_state else _("(created)")

    @admin.display(description=_("to"))
    def to_badge(self, obj: ReportTransition) -> str:
        return state_badge(obj.to_state)


class RevisionInline(ReadOnlyInline):
    """Each submitted version as it was sent, so the office sees what changed between two submissions."""

    model = ReportRevision
    fields = ["number", "created_by_name", "created_at", "summary"]
    readonly_fields = fields
    verbose_name_plural = _("submitted revisions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description=_("submitted by"))
    def created_by_name(self, obj: ReportRevision) -> str:
        return person(obj.created_by)

    @admin.display(description=_("content"))
    def summary(self, obj: ReportRevision) -> str:
        data = obj.data or {}
        statuses = dict(TargetStatus.choices)
        files = len(data.get("attachments", []))
        headline = " · ".join(
            [
                str(statuses.get(data.get("status"), data.get("status", ""))),
                f"{data.get('percent', '')}%",
                ngettext("%(count)d attachment", "%(count)d attachments", files) % {"count": files},
            ]
        )
        texts = [
            (_("work done"), data.get("work_done", "")),
            (_("problems"), data.get("problems", "")),
            (_("next steps"), data.get("next_steps", "")),
        ]
        lines = [
            (line.get("city_name", line.get("city")), statuses.get(line.get("status"), ""), line.get("note", ""))
            for line in data.get("city_lines", [])
        ]
        return format_html(
            '<details class="revision"><summary>{}</summary><dl>{}</dl><ul>{}</ul></details>',
            headline,
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((label, text or "-") for label, text in texts)),
            format_html_join("", "<li>{}：{} {}</li>", lines),
        )
