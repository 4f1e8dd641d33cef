"""The progress report pages: unit staff file and submit, the office reviews.

Scope: every queryset starts from ProgressReport.objects.restrict(user) (core.access); another unit's report answers
404 (through OutOfScopeIs404Mixin), on the change page and on the review URL alike.

Writes: save_model() writes nothing. save_related() gives the form, its city lines, removed attachments and new
files to the services in one transaction (Django's changeform_view runs in one), then submits if asked. When a
service refuses, save_related() deletes the files it wrote and raises Rejected, which rolls that transaction back;
changeform_view() then shows the page again with the refusal on the form: nothing of the request is stored, nothing
the user typed is lost (files must be picked again, as a browser never refills a file field).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import construct_change_message
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import access
from core.admin import OutOfScopeIs404Mixin, RefusalShownAgainMixin, Rejected
from reforms.choices import TargetStatus
from reforms.models import Reform

from .. import services
from ..choices import ReportState
from ..exceptions import ReportError
from ..models import NARRATIVE_MAX_LENGTH, Attachment, ProgressReport, ReportCityLine
from .actions import ReviewActionsMixin
from .display import person, phone_list_context, state_badge
from .filing import add_page_initial, period_choices, unit_choices
from .filters import ReportStateFilter, review_queue_shown
from .forms import CityLineFormSet, ProgressReportForm, UploadFormSet
from .inlines import AttachmentInline, CityLineInline, RevisionInline, TransitionInline, UploadInline
from .review_facts import review_facts

APPLICABLE_STATUSES = [s for s in TargetStatus.values if s != TargetStatus.NOT_APPLICABLE]


def count_of(model, **filters) -> Coalesce:
    """A report's rows of `model`, counted in a correlated subquery of the list query.

    Subqueries rather than Count() over joins: no GROUP BY over every selected column, no joins multiplying each
    other, and the list's COUNT(*) queries leave them out.
    """
    rows = model.objects.filter(report=OuterRef("pk"), **filters).order_by().values("report")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@admin.register(ProgressReport)
class ProgressReportAdmin(OutOfScopeIs404Mixin, RefusalShownAgainMixin, ReviewActionsMixin, admin.ModelAdmin):
    form = ProgressReportForm
    # The model's version is not editable, so a form may not list it; the form's hidden field of that name carries
    # the version the page was loaded at.
    exclude = ["version"]
    # Narrow enough for the ~790 px the admin's sidebars leave at 1440 px (changelist_styles.html): the reform's
    # code rides under its name, the submission time is written compactly.
    list_display = [
        "reform_title",
        "unit",
        "period",
        "state_badge",
        "progress",
        "cities_done",
        "attachment_count",
        "submitted",
    ]
    list_display_links = ["reform_title"]
    list_filter = [
        ReportStateFilter,
        ("period", admin.RelatedOnlyFieldListFilter),
        ("unit", admin.RelatedOnlyFieldListFilter),
        "status",
    ]
    # The one list query joins these (and counts lines and files, see get_queryset()): no query per row.
    list_select_related = ["reform", "unit", "period"]
    search_fields = ["reform__code", "reform__title", "unit__name"]
    inlines = [CityLineInline, AttachmentInline, UploadInline, TransitionInline, RevisionInline]
    actions = ["approve_reports", "return_reports", "submit_reports"]

    # Scope and permissions

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .restrict(request.user)
            .annotate(
                # Done out of the applicable lines, as the statistics count (definitions.py, completion_rate).
                line_count=count_of(ReportCityLine, status__in=APPLICABLE_STATUSES),
                done_count=count_of(ReportCityLine, status=TargetStatus.DONE),
                file_count=count_of(Attachment),
            )
        )

    def get_ordering(self, request):
        if review_queue_shown(request):
            # First come, first reviewed (the queue index covers state and submitted_at).
            return ["submitted_at", "pk"]
        return ["-updated_at", "-pk"]

    def has_add_permission(self, request) -> bool:
        # Reports are filed by members of a lead unit; the office reviews them and files none, and a co-unit files
        # contributions instead (its add form would only end in a refusal).
        user = request.user
        return super().has_add_permission(request) and access.files_reports(user) and access.leads_reforms(user)

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        # Submitted and approved reports are frozen, and only the report's own unit edits it: everyone else gets
        # the read-only view (and the office its review buttons).
        return obj is None or obj.is_editable_by(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return access.by_hand("tracker.progressreport", "delete") and super().has_delete_permission(request, obj)

    def has_review_permission(self, request) -> bool:
        return access.may_review(request.user)

    def has_submit_permission(self, request) -> bool:
        user = request.user
        return super().has_change_permission(request) and access.files_reports(user) and access.leads_reforms(user)

    # The form

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or self.has_change_permission(request, obj)
        first = ["reform", "unit", "period"]
        if obj is not None and editable:
            first.append("version")
        fieldsets = [
            (None, {"fields": first}),
            (_("Progress"), {"fields": [("status", "percent"), "work_done", "problems", "next_steps"]}),
        ]
        if obj is not None:
            review = ["state_badge", "revision", "author_name", "submitted_at", "reviewer_name", "reviewed_at"]
            fieldsets.append((_("Review"), {"fields": [*review, "review_comment"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "reform",
            "unit",
            "period",
            "state_badge",
            "revision",
            "author_name",
            "submitted_at",
            "reviewer_name",
            "reviewed_at",
            "review_comment",
        ]

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        # A report being filed has no stored files and no history yet.
        return inlines if obj is not None else [i for i in inlines if getattr(i, "shown_on_add_page", True)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "reform":
            kwargs["queryset"] = Reform.objects.restrict(user)
            kwargs["help_text"] = _("The reforms your unit is responsible for. Choosing one lists its target cities.")
        elif db_field.name == "unit":
            kwargs["queryset"] = unit_choices(request)
        elif db_field.name == "period":
            kwargs["queryset"] = period_choices(request)
            kwargs["help_text"] = _("A period of the reform's batch.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("work_done", "problems", "next_steps") and formfield is not None:
            formfield.widget.attrs.update(rows=5, maxlength=NARRATIVE_MAX_LENGTH)
        if db_field.name in ("reform", "unit", "period") and formfield is not None:
            # A reporter picks from these; links to view or add one beside each are clutter, the more on a phone.
            for flag in ("can_add_related", "can_change_related", "can_delete_related", "can_view_related"):
                setattr(formfield.widget, flag, False)
        return formfield

    def get_changeform_initial_data(self, request):
        return add_page_initial(request, super().get_changeform_initial_data(request))

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, CityLineInline):
            kwargs["initial"] = inline.initial_rows(request, obj)
        return kwargs

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_edit = self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        context.update(
            show_save_and_add_another=False,
            show_submit_report=can_edit,
            can_review=obj is not None and obj.state == ReportState.SUBMITTED and self.has_review_permission(request),
        )
        if context["can_review"]:
            context["review_url"] = reverse("admin:tracker_progressreport_review", args=[obj.pk])
            # The comment typed before a refused review comes back, see review_view().
            context["review_comment_value"] = request.session.pop(self._comment_key(obj), "")
            context["review_facts"] = review_facts(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Saving through the services

    # A refusal is shown again by core.admin.RefusalShownAgainMixin.changeform_view(): the page is built again from
    # the database, not from this attempt's objects, which the services changed (report_update() set the fields and
    # the version, deleting an attachment cleared its pk).

    def save_model(self, request, obj, form, change) -> None:
        # Nothing here: save_related() writes the report together with its rows, through the services.
        pass

    def save_related(self, request, form, formsets, change) -> None:
        user = request.user
        lines = next((fs for fs in formsets if isinstance(fs, CityLineFormSet)), None)
        uploads = next((fs for fs in formsets if isinstance(fs, UploadFormSet)), None)
        stored = next((fs for fs in formsets if fs.model is AttachmentInline.model and fs is not uploads), None)
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        city_lines = lines.city_lines() if lines is not None else []
        written = []  # (storage, name) of the files attachment_add() wrote
        try:
            if change:
                report = services.report_update(
                    report=form.instance,
                    user=user,
                    version=form.cleaned_data["version"],
                    data=data,
                    city_lines=city_lines,
                )
            else:
                report = services.report_create(
                    user=user,
                    reform=form.cleaned_data["reform"],
                    period=form.cleaned_data["period"],
                    unit=form.cleaned_data["unit"],
                    data=data,
                    city_lines=city_lines,
                )
            for removed in stored.deleted_forms if stored is not None else []:
                services.attachment_delete(attachment=removed.instance, user=user)
            for upload in uploads.uploads() if uploads is not None else []:
                attachment = self._attach(request, report, upload)
                written.append((attachment.file.storage, attachment.file.name))
            if "_submit" in request.POST:
                report = services.report_submit(report=report, user=user, version=report.version)
        except BaseException as error:
            # The rows roll back with the transaction; the files must go too (storage is not transactional).
            for storage, name in written:
                storage.delete(name)
            if isinstance(error, ValidationError | ReportError):
                raise Rejected(error) from error
            raise
        # The object Django goes on with (for its log entry, messages and redirect) is the form's instance.
        form.instance.pk = report.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False

    @staticmethod
    def _attach(request, report, upload):
        try:
            return services.attachment_add(report=report, user=request.user, file=upload)
        except ValidationError as error:
            # Say which file: several may be uploaded at once.
            messages_ = (
                error.message_dict.get("file", error.messages) if hasattr(error, "error_dict") else error.messages
            )
            raise ValidationError({"file": [f"{upload.name}：{m}" for m in messages_]}) from error

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets saved nothing (the services wrote the rows), so they have no saved objects to describe.
        return construct_change_message(form, [], add)

    def response_add(self, request, obj, post_url_continue=None):
        if "_submit" in request.POST:
            return self._submitted(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_submit" in request.POST:
            return self._submitted(request, obj)
        return super().response_change(request, obj)

    def _submitted(self, request, obj):
        self.message_user(
            request,
            _("The report “%(report)s” was submitted to the provincial office for review.") % {"report": obj},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:tracker_progressreport_change", args=[obj.pk]))

    # List columns

    @admin.display(description=_("code"), ordering="reform__code")
    def reform_code(self, obj: ProgressReport) -> str:
        return obj.reform.code

    @admin.display(description=_("reform"), ordering="reform__title")
    def reform_title(self, obj: ProgressReport) -> str:
        return format_html('{}<span class="reform-code">{}</span>', obj.reform.title, obj.reform.code)

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted(self, obj: ProgressReport) -> str:
        return timezone.localtime(obj.submitted_at).strftime("%Y-%m-%d %H:%M") if obj.submitted_at else "-"

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: ProgressReport) -> str:
        return state_badge(obj.state)

    @admin.display(description=_("overall progress"), ordering="percent")
    def progress(self, obj: ProgressReport) -> str:
        return f"{obj.get_status_display()} · {obj.percent}%"

    @admin.display(description=_("done / applicable cities"), ordering="done_count")
    def cities_done(self, obj: ProgressReport) -> str:
        return f"{obj.done_count} / {obj.line_count}"

    @admin.display(description=_("attachments"), ordering="file_count")
    def attachment_count(self, obj: ProgressReport) -> int:
        return obj.file_count

    @admin.display(description=_("author"))
    def author_name(self, obj: ProgressReport) -> str:
        return person(obj.author)

    @admin.display(description=_("reviewer"))
    def reviewer_name(self, obj: ProgressReport) -> str:
        return person(obj.reviewer)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **phone_list_context(
                self,
                request,
                hidden=["progress", "attachment_count"],
                unlabelled=["reform_title", "state_badge"],
            ),
            **(extra_context or {}),
        }
        if review_queue_shown(request):
            extra_context.setdefault("title", gettext("Reports waiting for review, oldest first"))
        return super().changelist_view(request, extra_context)
