"""The audit trail in the admin: the office reads, filters and exports it; nobody adds, changes or deletes a row
(and the event tables' triggers refuse it below the admin too)."""

import csv
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access

from .models import AUDITED, AuditEvent

LABELS = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(pgh_label=self.value()) if self.value() else queryset


class ModelFilter(admin.SimpleListFilter):
    title = _("record type")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return [(proxy._meta.label, model._meta.verbose_name) for model, proxy in AUDITED.items()]

    def queryset(self, request, queryset):
        return queryset.filter(pgh_obj_model=self.value()) if self.value() else queryset


class ProcessFilter(admin.SimpleListFilter):
    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("web", _("web (API and admin)")), ("celery", _("background task")), ("manage.py", _("command"))]

    def queryset(self, request, queryset):
        return queryset.filter(process__startswith=self.value()) if self.value() else queryset


_MODEL_NAMES = {proxy._meta.label: model._meta.verbose_name for model, proxy in AUDITED.items()}


def _diff_text(diff) -> str:
    if not diff:
        return ""
    return "; ".join(f"{field}: {before!r} → {after!r}" for field, (before, after) in sorted(diff.items()))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["when", "action", "record", "username", "process", "ip", "request_id", "changes"]
    list_filter = [ActionFilter, ModelFilter, ProcessFilter]
    search_fields = ["request_id", "username", "pgh_obj_id", "ip"]
    date_hierarchy = "pgh_created_at"
    ordering = ["-pgh_created_at", "-pgh_id"]
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "admin/audit/auditevent/change_list.html"
    fields = [
        "when",
        "action",
        "record",
        "username",
        "process",
        "ip",
        "request_id",
        "changes",
        "data",
        "context",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return AuditEvent.objects.all()

    # Who may read it: the office; on SQLite (zero-setup demo) there are no triggers and the aggregate query is
    # PostgreSQL SQL, so the trail is not offered there at all.
    def has_view_permission(self, request, obj=None):
        return connection.vendor == "postgresql" and access.may_read_audit(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return access.by_hand(self.opts.label_lower, "add")

    def has_change_permission(self, request, obj=None):
        return access.by_hand(self.opts.label_lower, "change")

    def has_delete_permission(self, request, obj=None):
        return access.by_hand(self.opts.label_lower, "delete")

    @admin.display(description=_("time"), ordering="pgh_created_at")
    def when(self, event):
        return timezone.localtime(event.pgh_created_at)

    @admin.display(description=_("action"), ordering="pgh_label")
    def action(self, event):
        return LABELS.get(event.pgh_label, event.pgh_label)

    @admin.display(description=_("record"))
    def record(self, event):
        return f"{_MODEL_NAMES.get(event.pgh_obj_model, event.pgh_obj_model)} #{event.pgh_obj_id}"

    @admin.display(description=_("changes (before → after)"))
    def changes(self, event):
        return _diff_text(event.pgh_diff)

    @admin.display(description=_("values"))
    def data(self, event):
        return json.dumps(event.pgh_data, ensure_ascii=False, sort_keys=True)

    @admin.display(description=_("context"))
    def context(self, event):
        return json.dumps(event.pgh_context, ensure_ascii=False, sort_keys=True)

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="audit_auditevent_export"), *super().get_urls()]

    def export_view(self, request):
        """The trail as CSV, with the filters of the list it was asked from (UTF-8 with BOM, for Excel)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.get_queryset(request).iterator(chunk_size=2000)
        header = ["time", "action", "model", "object_id", "user_id", "username", "process", "ip", "request_id"]

        def lines():
            buffer = _Echo()
            writer = csv.writer(buffer)
            yield "\ufeff" + writer.writerow([*header, "changes", "values"])
            for event in rows:
                context = event.pgh_context or {}
                yield writer.writerow(
                    [
                        timezone.localtime(event.pgh_created_at).isoformat(),
                        event.pgh_label,
                        event.pgh_obj_model,
                        event.pgh_obj_id,
                        context.get("user", ""),
                        context.get("username", ""),
                        context.get("process", ""),
                        context.get("ip", ""),
                        context.get("request_id", ""),
                        json.dumps(event.pgh_diff, ensure_ascii=False, sort_keys=True) if event.pgh_diff else "",
                        json.dumps(event.pgh_data, ensure_ascii=False, sort_keys=True),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response


class _Echo:
    def write(self, value):
        return value
