from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Progress tracking")

    def ready(self) -> None:
        from core.access import OFFICE_GROUP, UNIT_STAFF_GROUP, register_group_permissions

        # ready() runs before migrate's post_migrate signal, where units syncs the groups from this registry.
        models = [
            "reportingperiod",
            "progressreport",
            "reportcityline",
            "reportrevision",
            "reporttransition",
            "attachment",
        ]
        register_group_permissions(
            OFFICE_GROUP,
            [f"tracker.{action}_{model}" for model in models for action in ("add", "change", "delete", "view")],
        )
        # Unit staff write reports, their city lines and attachments (deleting an attachment of a draft counts as a
        # change of the report); the rest they only read. Row scope: core.access, "view" and "change" on reports.
        register_group_permissions(
            UNIT_STAFF_GROUP,
            [
                *(
                    f"tracker.{action}_{model}"
                    for model in ("progressreport", "reportcityline", "attachment")
                    for action in ("add", "change", "view")
                ),
                "tracker.delete_attachment",
                *(f"tracker.view_{model}" for model in ("reportingperiod", "reportrevision", "reporttransition")),
            ],
        )
