"""The office's review (approve, return with a comment) and the unit's submit, as list actions and as the review
buttons of the change page. Each report goes through its service on its own, so one refusal (someone else reviewed
it first, a comment missing) leaves the others done, and says so."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from .. import services
from ..choices import EDITABLE_STATES, ReportState
from ..exceptions import ReportError
from .forms import ReturnForm


def refusal(error: ValidationError | ReportError) -> str:
    """A service's refusal as one line for a message."""
    if isinstance(error, ReportError):
        return str(error.message)
    return " ".join(error.messages)


class ReviewActionsMixin:
    """For ProgressReportAdmin: needs has_review_permission() and has_submit_permission()."""

    def _run(self, request, reports, service, **kwargs) -> int:
        """Call `service` on each report; report the refusals; return how many went through."""
        done = 0
        for report in reports:
            try:
                service(report=report, user=request.user, **kwargs)
            except (ValidationError, ReportError) as error:
                self.message_user(request, f"{report}：{refusal(error)}", messages.ERROR)
            else:
                done += 1
        return done

    def _say(self, request, count: int, message, level=messages.SUCCESS) -> None:
        """`message`: an ngettext_lazy(..., "count"), which picks its plural form from the count it is given."""
        if count:
            self.message_user(request, message % {"count": count}, level)

    def _skipped(self, request, selected: int, kept: int, message) -> None:
        self._say(request, selected - kept, message, messages.WARNING)

    @admin.action(description=_("Approve the selected reports"), permissions=["review"])
    def approve_reports(self, request, queryset):
        waiting = list(queryset.filter(state=ReportState.SUBMITTED))
        self._skipped(
            request,
            queryset.count(),
            len(waiting),
            ngettext_lazy(
                "%(count)d of the selected reports was not waiting for review and was left as it is.",
                "%(count)d of the selected reports were not waiting for review and were left as they are.",
                "count",
            ),
        )
        done = self._run(request, waiting, services.report_approve)
        self._say(
            request,
            done,
            ngettext_lazy(
                "%(count)d report approved; its city lines are now the rollout status.",
                "%(count)d reports approved; their city lines are now the rollout status.",
                "count",
            ),
        )

    @admin.action(description=_("Return the selected reports with a comment…"), permissions=["review"])
    def return_reports(self, request, queryset):
        waiting = list(queryset.filter(state=ReportState.SUBMITTED))
        if not waiting:
            self.message_user(request, _("None of the selected reports is waiting for review."), messages.WARNING)
            return None
        # Like Django's delete confirmation: the first POST comes from the list and shows this page; the second,
        # from this page, carries "post" and the comment.
        form = ReturnForm(request.POST if "post" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = self._run(request, waiting, services.report_return, comment=form.cleaned_data["comment"])
            self._say(
                request,
                done,
                ngettext_lazy(
                    "%(count)d report returned to its unit with your comment.",
                    "%(count)d reports returned to their units with your comment.",
                    "count",
                ),
            )
            return None
        if not form.is_bound:
            self._skipped(
                request,
                queryset.count(),
                len(waiting),
                ngettext_lazy(
                    "%(count)d of the selected reports is not waiting for review and will be left as it is.",
                    "%(count)d of the selected reports are not waiting for review and will be left as they are.",
                    "count",
                ),
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Return reports to their units"),
            "opts": self.opts,
            "reports": waiting,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "return_reports",
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/progressreport/return_confirmation.html", context)

    @admin.action(description=_("Submit the selected reports to the provincial office"), permissions=["submit"])
    def submit_reports(self, request, queryset):
        editable = list(queryset.filter(state__in=EDITABLE_STATES))
        self._skipped(
            request,
            queryset.count(),
            len(editable),
            ngettext_lazy(
                "%(count)d of the selected reports was already submitted and was left as it is.",
                "%(count)d of the selected reports were already submitted and were left as they are.",
                "count",
            ),
        )
        done = self._run(request, editable, services.report_submit)
        self._say(
            request,
            done,
            ngettext_lazy(
                "%(count)d report submitted to the provincial office for review.",
                "%(count)d reports submitted to the provincial office for review.",
                "count",
            ),
        )

    # The review panel of the change page posts here.

    def get_urls(self):
        review = path(
            "<path:object_id>/review/",
            self.admin_site.admin_view(self.review_view),
            name="tracker_progressreport_review",
        )
        return [review, *super().get_urls()]

    @staticmethod
    def _comment_key(report) -> str:
        return f"tracker-review-comment-{report.pk}"

    def review_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        if not self.has_review_permission(request):
            raise PermissionDenied
        # The panel's two buttons: the one pressed is the one whose name is posted.
        services_by_decision = {"_approve": services.report_approve, "_return": services.report_return}
        decision = next((name for name in services_by_decision if name in request.POST), None)
        if decision is None:
            return HttpResponseBadRequest()
        comment = request.POST.get("comment", "")
        version = request.POST.get("version", "")
        change_url = reverse("admin:tracker_progressreport_change", args=[report.pk])
        try:
            services_by_decision[decision](
                report=report,
                user=request.user,
                comment=comment,
                version=int(version) if version.isdigit() else None,
            )
        except (ValidationError, ReportError) as error:
            self.message_user(request, refusal(error), messages.ERROR)
            # Kept for the page shown next, so a long comment is not typed twice.
            request.session[self._comment_key(report)] = comment
            return HttpResponseRedirect(change_url)
        if decision == "_approve":
            message = _("The report “%(report)s” was approved; its city lines are now the rollout status.")
        else:
            message = _("The report “%(report)s” was returned to %(unit)s with your comment.")
        self.message_user(request, message % {"report": report, "unit": report.unit}, messages.SUCCESS)
        # On to the next report in the queue.
        return HttpResponseRedirect(reverse("admin:tracker_progressreport_changelist"))
