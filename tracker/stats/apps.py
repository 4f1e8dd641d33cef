from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "tracker.stats"
    label = "stats"
    verbose_name = _("Completion statistics")

    def ready(self) -> None:
        from core.access import OFFICE_GROUP, register_group_permissions

        # The office sets colour overrides and reads the colour history; the figures themselves need no model
        # permission (the API and the dashboard scope them by role).
        register_group_permissions(
            OFFICE_GROUP,
            [
                *(f"stats.{action}_statusoverride" for action in ("add", "change", "delete", "view")),
                "stats.view_coloursnapshot",
                "stats.view_rollupstate",
            ],
        )
