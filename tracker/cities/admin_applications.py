"""Admin pages of applications for 有条件的市 items (imported by admin.py): a city applies with an evidence file, the
lead unit gives its opinion and the office decides on the same page; every step is listed for the applicant.
Scope from CityApplication.objects.restrict(); another city's application answers 404."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import access
from core.admin import OutOfScopeIs404Mixin, Rejected, files_removed_on_failure
from reforms.choices import Scope
from reforms.models import Reform
from tracker.admin.forms import refusal_errors as form_errors
from tracker.exceptions import ReportError

from . import services
from .admin_base import ReadOnlyInline, ServiceSaveMixin
from .choices import OPEN_APPLICATION_STATES, ApplicationState, LeadOpinion
from .models import CityApplication, CityApplicationStep


class CityApplicationForm(forms.ModelForm):
    evidence_file = forms.FileField(label=_("Add an evidence file"), required=False)
    opinion = forms.ChoiceField(
        label=_("lead unit's opinion"), required=False, choices=[("", "---------"), *LeadOpinion.choices]
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "---------"), ("approve", _("Approve")), ("reject", _("Reject"))],
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    refusal = None  # a service's refusal, set by RefusalShownAgainMixin on the page that shows it again

    class Meta:
        model = CityApplication
        fields = ["reform", "city", "conditions_met", "reason"]

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            for field, messages in form_errors(self.refusal, self.fields):
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class StepInline(ReadOnlyInline):
    model = CityApplicationStep
    fields = ["kind", "actor", "at", "comment"]
    readonly_fields = fields


def may_opine(user, obj) -> bool:
    return obj.state == ApplicationState.SUBMITTED and access.is_lead_member(user, obj.reform_id)


def may_decide(user, obj) -> bool:
    return obj.state in OPEN_APPLICATION_STATES and access.is_office(user)


@admin.register(CityApplication)
class CityApplicationAdmin(ServiceSaveMixin, OutOfScopeIs404Mixin, admin.ModelAdmin):
    form = CityApplicationForm
    list_display = ["reform", "city", "state", "lead_opinion", "created_at"]
    list_filter = ["state", "lead_opinion"]
    list_select_related = ["reform", "city"]
    search_fields = ["reform__code", "reform__title", "city__name"]
    inlines = [StepInline]

    def get_queryset(self, request):
        return CityApplication.objects.restrict(request.user).select_related("reform", "city")

    # Only city staff hold the add permission (tracker.cities.apps); no query here, the admin's menu asks it per page.

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or may_opine(request.user, obj) or may_decide(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["reform", "city", "conditions_met", "reason", "evidence_file"]
        shown = ["reform", "city", "state", "conditions_met", "reason", "lead_opinion", "lead_comment"]
        if may_opine(request.user, obj):
            return [*shown, "opinion", "comment"]
        if may_decide(request.user, obj):
            return [*shown, "decision", "comment"]
        return [*shown, "decision_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "reform",
            "city",
            "state",
            "conditions_met",
            "reason",
            "lead_opinion",
            "lead_comment",
            "decision_reason",
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reform":
            kwargs["queryset"] = Reform.objects.restrict(request.user).filter(scope=Scope.QUALIFIED_CITIES)
        if db_field.name == "city":
            kwargs["queryset"] = db_field.related_model.objects.restrict(request.user, "file")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change) -> None:
        user, data = request.user, form.cleaned_data
        application = form.instance
        try:
            with files_removed_on_failure() as written:
                if not change:
                    application = services.city_application_create(
                        user=user,
                        reform=data["reform"],
                        city=data.get("city"),
                        conditions_met=data.get("conditions_met", ""),
                        reason=data.get("reason", ""),
                    )
                    if data.get("evidence_file"):
                        evidence = services.city_application_evidence_add(
                            application=application, user=user, file=data["evidence_file"]
                        )
                        written.append((evidence.file.storage, evidence.file.name))
                elif data.get("opinion"):
                    application = services.city_application_opinion(
                        application=application, user=user, opinion=data["opinion"], comment=data.get("comment", "")
                    )
                elif data.get("decision") == "approve":
                    application = services.city_application_approve(
                        application=application, user=user, comment=data.get("comment", "")
                    )
                elif data.get("decision") == "reject":
                    if not data.get("comment", "").strip():
                        raise ValidationError({"comment": _("Say why the application is rejected.")})
                    application = services.city_application_reject(
                        application=application, user=user, reason=data.get("comment", "")
                    )
        except (ValidationError, ReportError) as error:
            raise Rejected(error) from error
        self.saved(form, application)
