from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformsConfig(AppConfig):
    name = "reforms"
    verbose_name = _("Reforms")

    def ready(self) -> None:
        from core import access

        # The office keeps batches and reforms with their units and cities; unit staff read them (the rows they see
        # are core.access's "view" rule on reforms).
        models = ["batch", "reform", "responsibility", "rollouttarget"]
        access.register_group_permissions(access.OFFICE_GROUP, access.model_permissions("reforms", models))
        access.register_group_permissions(
            access.UNIT_STAFF_GROUP, access.model_permissions("reforms", models, actions=("view",))
        )
