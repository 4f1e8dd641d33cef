"""The hook for the lead unit's report page: its co-units' contributions, read-only, beside the report.

Add ReportContributionsInline to ProgressReportAdmin.inlines (tracker/admin/reports.py); nothing else is needed.
"""

from django.contrib import admin
from django.forms.models import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from core.access import is_office, unit_ids_of
from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility

from ..choices import ContributionState
from ..deadlines import contribution_due_on
from ..models import Contribution


class ReportContributionsFormSet(BaseModelFormSet):
    """No forms, only rows to show: the contributions on the report's reform and period that the user may see.

    An inline needs a formset, and the report page validates every formset on save: with no forms this one is always
    valid and saves nothing, whatever the user does.
    """

    def __init__(self, data=None, files=None, instance=None, save_as_new=False, prefix=None, queryset=None, **kw):
        self.instance = instance
        report = instance if instance is not None and instance.pk else None
        visible = queryset if queryset is not None else Contribution.objects.none()
        if report is None:
            self.rows, self.missing, self.due_on = [], [], None
        else:
            self.rows = list(
                visible.filter(reform_id=report.reform_id, period_id=report.period_id)
                .select_related("unit", "author")
                .prefetch_related("attachments")
                .order_by("unit__name")
            )
            submitted = {c.unit_id for c in self.rows if c.state == ContributionState.SUBMITTED}
            co_units = Responsibility.objects.filter(reform_id=report.reform_id, role=ResponsibilityRole.CO)
            self.missing = [r.unit for r in co_units.select_related("unit") if r.unit_id not in submitted]
            self.due_on = contribution_due_on(report.period)
        super().__init__(data, files, prefix=prefix, queryset=Contribution.objects.none(), **kw)

    @classmethod
    def get_default_prefix(cls) -> str:
        return "contributions"


class ReportContributionsInline(admin.TabularInline):
    """The co-units' contributions on the lead's report page, read-only (the hook: add to ProgressReportAdmin.inlines).

    Contribution has no foreign key to the report (a co-unit files before the lead's report exists), so the rows are
    found by the report's reform and period; the system check of inline foreign keys is skipped for that reason.
    """

    model = Contribution
    template = "admin/contributions/report_contributions.html"
    formset = ReportContributionsFormSet
    extra = 0
    max_num = 0
    can_delete = False
    shown_on_add_page = False
    verbose_name_plural = _("co-unit contributions")

    class checks_class(admin.options.InlineModelAdminChecks):
        def _check_relation(self, obj, parent_model):
            return []

        def _check_exclude_of_parent_model(self, obj, parent_model):
            return []

    def get_queryset(self, request):
        return Contribution.objects.restrict(request.user, "view")

    def get_formset(self, request, obj=None, **kwargs):
        return modelformset_factory(
            Contribution, fields=[], formset=ReportContributionsFormSet, extra=0, max_num=0, can_delete=False
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return is_office(request.user) or bool(unit_ids_of(request.user))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
