"""Admin of co-unit contributions: the co-unit files, the lead unit reads them on its report, the office reads all.

Scope: every queryset starts from Contribution.objects.restrict(user); a contribution outside it answers 404
(OutOfScopeIs404Mixin), its files too. Writes go through the services: save_model() writes nothing, save_related()
calls them in the admin's one transaction; a refusal rolls it back and the page comes again with the message on the
form (nothing stored, what was typed kept).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.access import is_unit_member, unit_ids_of
from core.admin import RefusalShownAgainMixin, Rejected, files_removed_on_failure
from reforms.models import Reform
from tracker.admin.actions import refusal
from tracker.admin.display import person
from tracker.exceptions import ReportError
from tracker.models import NARRATIVE_MAX_LENGTH, ReportingPeriod
from tracker.reminders.admin_columns import FeedingDueColumnMixin
from units.admin import OutOfScopeIs404Mixin
from units.models import Unit

from .. import services
from ..choices import ContributionState
from ..downloads import attachment_response
from ..models import Contribution, ContributionAttachment


class ContributionForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_file = forms.FileField(
        label=_("Add an evidence file"),
        required=False,
        help_text=_("PDF, Word, Excel, PowerPoint, WPS, PNG or JPEG; checked by its content."),
    )
    remove_files = forms.ModelMultipleChoiceField(
        label=_("Remove evidence files"),
        queryset=ContributionAttachment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    refusal: ValidationError | ReportError | None = None  # set by RefusalShownAgainMixin on the second pass

    class Meta:
        model = Contribution
        fields = ["reform", "period", "unit", "work_done", "problems"]
        widgets = {
            "work_done": forms.Textarea(attrs={"rows": 5, "maxlength": NARRATIVE_MAX_LENGTH}),
            "problems": forms.Textarea(attrs={"rows": 4, "maxlength": NARRATIVE_MAX_LENGTH}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "remove_files" in self.fields:
            self.fields["remove_files"].queryset = (
                self.instance.attachments.all() if self.instance.pk else ContributionAttachment.objects.none()
            )
        if self.instance.pk and "version" in self.fields:
            self.fields["version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        error = self.refusal
        if error is not None:
            if isinstance(error, ReportError):
                raise ValidationError(str(error.message))
            if hasattr(error, "error_dict"):
                for field, messages_ in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages_)
            else:
                raise ValidationError(error.messages)
        return data

    def _post_clean(self):
        # The model's rules run in the services (with the user); the form only checks shape.
        pass


def file_count():
    rows = ContributionAttachment.objects.filter(contribution=OuterRef("pk")).order_by().values("contribution")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@admin.register(Contribution)
class ContributionAdmin(FeedingDueColumnMixin, OutOfScopeIs404Mixin, RefusalShownAgainMixin, admin.ModelAdmin):
    form = ContributionForm
    # Not editable on the model: the form's own hidden field of that name carries the version the page was loaded at.
    exclude = ["version"]
    list_display = ["reform_title", "unit", "period", "state_badge", "due", "submitted", "files"]
    list_display_links = ["reform_title"]
    list_filter = [
        "state",
        ("unit", admin.RelatedOnlyFieldListFilter),
        ("reform", admin.RelatedOnlyFieldListFilter),
        ("period", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["reform", "unit", "period__batch__reporting_rule"]
    search_fields = ["reform__code", "reform__title", "unit__name", "work_done", "problems"]
    actions = ["submit_contributions", "withdraw_contributions"]
    ordering = ["-updated_at", "-pk"]

    # Scope and permissions

    def get_queryset(self, request):
        rows = Contribution.objects.restrict(request.user, "view").annotate(file_count=file_count())
        return rows.select_related("reform", "unit", "period__batch__reporting_rule", "author")

    def _files_editable(self, request, obj) -> bool:
        return obj is None or (obj.is_editable and is_unit_member(request.user, obj.unit_id))

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and bool(unit_ids_of(request.user))

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._files_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_submit_permission(self, request) -> bool:
        return super().has_change_permission(request) and bool(unit_ids_of(request.user))

    # The form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["reform", "period", "unit", "work_done", "problems", "new_file"]
        if not self.has_change_permission(request, obj):
            return [*self.get_readonly_fields(request, obj), "work_done", "problems", "file_links"]
        shown = ["reform", "unit", "period", "state_badge", "due", "version", "work_done", "problems", "file_links"]
        return [*shown, "new_file", "remove_files"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        shown = ["reform", "unit", "period", "state_badge", "due", "author_name", "submitted_at"]
        if not self.has_change_permission(request, obj):
            return [*shown, "work_done", "problems", "file_links"]
        return [*shown, "file_links"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reform":
            kwargs["queryset"] = Reform.objects.restrict(request.user, "contribute")
            kwargs["help_text"] = _("The reforms your unit works on as a co-unit.")
        elif db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.restrict(request.user, "file")
            kwargs["required"] = False
            kwargs["help_text"] = _("Only if you belong to several co-units of the reform.")
        elif db_field.name == "period":
            kwargs["queryset"] = ReportingPeriod.objects.select_related("batch")
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return formfield

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_edit = self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        context.update(show_save_and_add_another=False, show_submit_contribution=can_edit)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Saving through the services

    def save_model(self, request, obj, form, change) -> None:
        pass  # save_related() writes, through the services

    def save_related(self, request, form, formsets, change) -> None:
        user, data = request.user, form.cleaned_data
        fields = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
        try:
            with files_removed_on_failure() as written:
                if change:
                    contribution = services.contribution_update(
                        contribution=form.instance, user=user, version=data.get("version") or 0, data=fields
                    )
                    for attachment in data.get("remove_files") or []:
                        services.contribution_attachment_delete(attachment=attachment, user=user)
                else:
                    contribution = services.contribution_create(
                        user=user, reform=data["reform"], period=data["period"], unit=data.get("unit"), data=fields
                    )
                if data.get("new_file"):
                    attachment = services.contribution_attachment_add(
                        contribution=contribution, user=user, file=data["new_file"]
                    )
                    written.append((attachment.file.storage, attachment.file.name))
                if "_submit" in request.POST:
                    contribution = services.contribution_submit(
                        contribution=contribution, user=user, version=contribution.version
                    )
        except (ValidationError, ReportError) as error:
            raise Rejected(error) from error
        form.instance.pk = contribution.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"added": {}}] if add else [{"changed": {"fields": sorted(form.changed_data)}}]

    # Actions

    def _run(self, request, queryset, service, done_message) -> None:
        done = 0
        for contribution in queryset:
            try:
                service(contribution=contribution, user=request.user)
            except (ValidationError, ReportError) as error:
                self.message_user(request, f"{contribution}：{refusal(error)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Submit the selected contributions to the lead unit"), permissions=["submit"])
    def submit_contributions(self, request, queryset):
        mine = queryset.restrict(request.user, "change").filter(state=ContributionState.DRAFT)
        self._run(request, mine, services.contribution_submit, _("%(count)d contributions submitted."))

    @admin.action(description=_("Withdraw the selected contributions to correct them"), permissions=["submit"])
    def withdraw_contributions(self, request, queryset):
        mine = queryset.restrict(request.user, "change").filter(state=ContributionState.SUBMITTED)
        self._run(request, mine, services.contribution_withdraw, _("%(count)d contributions withdrawn."))

    # Evidence files, served only through this scoped view (MEDIA_ROOT has no URL)

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        return [
            path("<path:object_id>/files/<int:file_id>/", download, name="contributions_contribution_file"),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id, file_id):
        contribution = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, contribution):
            raise Http404(_("No such object."))
        attachment = contribution.attachments.filter(pk=file_id).first()
        if attachment is None:
            raise Http404(_("No such object."))
        return attachment_response(attachment)

    # Columns

    @admin.display(description=_("reform"), ordering="reform__title")
    def reform_title(self, obj: Contribution) -> str:
        return format_html("{} <small>{}</small>", obj.reform.title, obj.reform.code)

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, obj: Contribution) -> str:
        return state_badge(obj.state)

    @admin.display(description=_("submitted at"), ordering="submitted_at")
    def submitted(self, obj: Contribution) -> str:
        return timezone.localtime(obj.submitted_at).strftime("%Y-%m-%d %H:%M") if obj.submitted_at else "-"

    @admin.display(description=_("attachments"), ordering="file_count")
    def files(self, obj: Contribution) -> int:
        return obj.file_count

    @admin.display(description=_("author"))
    def author_name(self, obj: Contribution) -> str:
        return person(obj.author)

    @admin.display(description=_("evidence files"))
    def file_links(self, obj: Contribution) -> str:
        return file_links(obj)


def state_badge(state: str) -> str:
    # The report badges' colours (admin/tracker/includes/report_state_styles.html): draft grey, submitted blue.
    return format_html('<span class="report-state report-state-{}">{}</span>', state, ContributionState(state).label)


def file_links(contribution: Contribution) -> str:
    links = [
        format_html(
            '<a href="{}">{}</a>',
            reverse("admin:contributions_contribution_file", args=[contribution.pk, attachment.pk]),
            attachment.original_name,
        )
        for attachment in contribution.attachments.all()
    ]
    return format_html("<br>".join(["{}"] * len(links)), *links) if links else "-"
