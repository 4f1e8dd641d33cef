"""Admin pages of the cities app, in Chinese like the rest: city staff file and submit their submissions (with
evidence files), the lead unit or the office confirms or returns them on the same page; the office sees where a
confirmed claim and the lead unit's report line differ (a column and a filter).

Scope: every queryset starts from restrict(user); another city's submission answers 404 (OutOfScopeIs404Mixin).
Writes: save_related() calls the services; a refusal rolls the transaction back and the page is shown again with
the refusal on the form (core.admin.RefusalShownAgainMixin), nothing stored, nothing typed lost.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import access
from core.admin import OutOfScopeIs404Mixin, Rejected, files_removed_on_failure
from reforms.choices import TargetStatus
from reforms.models import RolloutTarget
from tracker.admin.forms import refusal_errors as form_errors
from tracker.exceptions import ReportError
from tracker.reminders.admin_columns import FeedingDueColumnMixin
from units.models import CityMembership

from . import services
from .admin_base import ReadOnlyInline, ServiceSaveMixin
from .choices import EDITABLE_STATES, SubmissionState
from .models import CityEvidence, CitySubmission, CitySubmissionTransition
from .selectors import with_lead_line


class CitySubmissionForm(forms.ModelForm):
    # The version the page was loaded at: a save against a newer one is refused (412 in the API).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    evidence_file = forms.FileField(label=_("Add an evidence file"), required=False)
    submit_now = forms.BooleanField(label=_("Submit after saving"), required=False)
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "---------"), ("confirm", _("Confirm")), ("return", _("Return to the city"))],
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    refusal = None  # a service's refusal, set by RefusalShownAgainMixin on the page that shows it again

    class Meta:
        model = CitySubmission
        fields = ["target", "period", "status", "work_done", "problems"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "version" in self.fields:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            for field, messages in form_errors(self.refusal, self.fields):
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


def can_review(user, obj: CitySubmission) -> bool:
    return obj.state == SubmissionState.SUBMITTED and access.may_review_city_work(user, obj.target.reform_id)


def can_edit(user, obj: CitySubmission) -> bool:
    return obj.state in EDITABLE_STATES and access.is_city_member(user, obj.target.city_id)


class TransitionInline(ReadOnlyInline):
    model = CitySubmissionTransition
    fields = ["from_state", "to_state", "actor", "at", "comment"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = CityEvidence
    fk_name = "submission"
    fields = ["download", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, evidence: CityEvidence) -> str:
        url = reverse(
            "cities-api:submission-evidence-download",
            kwargs={"submission_id": evidence.submission_id, "pk": evidence.pk},
        )
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)


@admin.register(CitySubmission)
class CitySubmissionAdmin(FeedingDueColumnMixin, ServiceSaveMixin, OutOfScopeIs404Mixin, admin.ModelAdmin):
    form = CitySubmissionForm
    # Not a model form field (the model's version is not editable): the form's hidden field of that name carries it.
    exclude = ["version"]
    list_display = ["reform_code", "city", "period", "due", "state", "status", "lead_line", "differs"]
    list_filter = ["state", "status", ("period", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["target__reform", "target__city", "period__batch__reporting_rule"]
    search_fields = ["target__reform__code", "target__reform__title", "target__city__name"]
    inlines = [EvidenceInline, TransitionInline]

    def get_queryset(self, request):
        scoped = CitySubmission.objects.restrict(request.user)
        return with_lead_line(scoped).select_related("target__reform", "target__city", "period__batch__reporting_rule")

    # Only city staff hold the add permission (tracker.cities.apps); no query here, the admin's menu asks it per page.

    def get_inline_instances(self, request, obj=None):
        # History and stored files belong to an existing submission; the add page has neither.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit(request.user, obj) or can_review(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of what a city said; a draft is simply left or edited

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["target", "period", "status", "work_done", "problems", "evidence_file", "submit_now"]
        shown = ["target", "period", "state", "status", "work_done", "problems", "review_comment"]
        if can_edit(request.user, obj):
            return [*shown, "evidence_file", "submit_now", "version"]
        if can_review(request.user, obj):
            return [*shown, "lead_line", "decision", "comment", "version"]
        return [*shown, "lead_line"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["target", "period", "state", "review_comment", "lead_line"]
        if can_edit(request.user, obj):
            return fixed
        return [*fixed, "status", "work_done", "problems"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "target":
            kwargs["queryset"] = RolloutTarget.objects.restrict(request.user, "file").select_related("reform", "city")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            # The item's title beside its code: city staff know their items by name, not by "sdftz-1-p02".
            field.label_from_instance = lambda target: f"{target.reform} · {target.city}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change) -> None:
        user, data = request.user, form.cleaned_data
        fields = {name: data[name] for name in services.SUBMISSION_FIELDS if name in data}
        try:
            with files_removed_on_failure() as written:
                submission = form.instance
                if not change:
                    submission = services.city_submission_create(
                        user=user, target=data["target"], period=data["period"], data=fields
                    )
                elif can_edit(user, submission):
                    submission = services.city_submission_update(
                        submission=submission, user=user, version=data.get("version") or 0, data=fields
                    )
                elif data.get("decision"):
                    review = (
                        services.city_submission_confirm
                        if data["decision"] == "confirm"
                        else services.city_submission_return
                    )
                    submission = review(
                        submission=submission, user=user, comment=data.get("comment", ""), version=data.get("version")
                    )
                if data.get("evidence_file"):
                    evidence = services.city_evidence_add(submission=submission, user=user, file=data["evidence_file"])
                    written.append((evidence.file.storage, evidence.file.name))
                if data.get("submit_now"):
                    submission = services.city_submission_submit(submission=submission, user=user)
        except (ValidationError, ReportError) as error:
            raise Rejected(error) from error
        self.saved(form, submission)

    @admin.display(description=_("reform"), ordering="target__reform__code")
    def reform_code(self, obj: CitySubmission) -> str:
        return f"{obj.target.reform.code} {obj.target.reform.title}"

    @admin.display(description=_("city"), ordering="target__city__code")
    def city(self, obj: CitySubmission) -> str:
        return obj.target.city.name

    @admin.display(description=_("lead unit's line"))
    def lead_line(self, obj: CitySubmission) -> str:
        status = getattr(obj, "lead_line_status", None)
        return TargetStatus(status).label if status else "—"

    @admin.display(description=_("differs from the lead unit's line"), boolean=True)
    def differs(self, obj: CitySubmission) -> bool:
        return bool(getattr(obj, "differs_from_lead", False))


@admin.register(CityMembership)
class CityMembershipAdmin(admin.ModelAdmin):
    """The office puts people into cities; the service also gives them the city staff group."""

    list_display = ["user", "city", "role"]
    list_select_related = ["user", "city"]
    list_filter = [("city", admin.RelatedOnlyFieldListFilter), "role"]
    search_fields = ["user__username", "city__name"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change) -> None:
        services.city_member_add(user=obj.user, city=obj.city, role=obj.role)


from . import admin_applications  # noqa: E402,F401  (registers the applications' pages)
