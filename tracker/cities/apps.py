from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesConfig(AppConfig):
    name = "tracker.cities"
    label = "cities"
    verbose_name = _("Cities as participants")

    def ready(self) -> None:
        from core.access import CITY_STAFF_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP, register_group_permissions
        from tracker.services.attachments import evidence_folder_register
        from tracker.services.reports.drafting import city_line_source_register

        from .services.prefill import confirmed_statuses

        # A lead unit's new report starts its city lines from what the cities reported and the lead confirmed.
        city_line_source_register(confirmed_statuses)
        # Files of uploads that rolled back are purged like the reports' (models.evidence_path writes here).
        evidence_folder_register("cities", "cities.cityevidence")

        models = ["citysubmission", "citysubmissionrevision", "citysubmissiontransition", "cityevidence"]
        applications = ["cityapplication", "cityapplicationstep"]
        # ready() runs before migrate's post_migrate signal, where units syncs the groups from this registry (a new
        # name there creates the group). Row scope comes from each QuerySet's restrict().
        # The office reads everything, confirms/returns submissions and decides on applications ("change"), and
        # manages city memberships; it never files a city's content, so it holds no "add" on what cities write.
        register_group_permissions(
            OFFICE_GROUP,
            [
                *(f"cities.view_{m}" for m in [*models, *applications]),
                "cities.change_citysubmission",
                "cities.change_cityapplication",
                *(f"units.{a}_citymembership" for a in ("add", "change", "delete", "view")),
            ],
        )
        # City staff write their submissions, evidence and applications; the rest they read.
        register_group_permissions(
            CITY_STAFF_GROUP,
            [
                *(
                    f"cities.{a}_{m}"
                    for m in ("citysubmission", "cityevidence", "cityapplication")
                    for a in ("add", "change", "view")
                ),
                "cities.delete_cityevidence",
                *(
                    f"cities.view_{m}"
                    for m in ("citysubmissionrevision", "citysubmissiontransition", "cityapplicationstep")
                ),
                "units.view_city",
                "reforms.view_reform",
                "reforms.view_rollouttarget",
                "reforms.view_batch",
                "tracker.view_reportingperiod",
            ],
        )
        # The lead unit confirms or returns submissions ("change") and gives opinions on applications.
        register_group_permissions(
            UNIT_STAFF_GROUP,
            [
                "cities.view_citysubmission",
                "cities.change_citysubmission",
                "cities.view_citysubmissionrevision",
                "cities.view_citysubmissiontransition",
                "cities.view_cityevidence",
                "cities.view_cityapplication",
                "cities.change_cityapplication",
                "cities.view_cityapplicationstep",
            ],
        )
