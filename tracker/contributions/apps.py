from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    name = "tracker.contributions"
    label = "contributions"
    verbose_name = _("Co-unit contributions")

    def ready(self) -> None:
        from core.access import OFFICE_GROUP, UNIT_STAFF_GROUP, register_group_permissions
        from tracker.services.attachments import evidence_folder_register

        # Files of uploads that rolled back are purged like the reports' (models.contribution_file_path writes here).
        evidence_folder_register("contributions", "contributions.contributionattachment")

        models = ("contribution", "contributionattachment")
        # The office reads everything (it files nothing: contributions are the units' work). Unit staff write their
        # own units' contributions; which rows is the queryset's restrict() call (core.access).
        register_group_permissions(OFFICE_GROUP, [f"contributions.view_{model}" for model in models])
        register_group_permissions(
            UNIT_STAFF_GROUP,
            [f"contributions.{action}_{model}" for model in models for action in ("add", "change", "view")]
            + ["contributions.delete_contributionattachment"],
        )
