from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs) -> None:
    from .services import roles_sync

    roles_sync()


class UnitsConfig(AppConfig):
    name = "units"
    verbose_name = _("Units and cities")

    def ready(self) -> None:
        from core import access

        # The office creates the accounts of unit staff and consumers (never superusers: see the user admin), issues
        # consumers' API tokens, and keeps cities, units and their staff; unit staff read units and cities.
        access.register_group_permissions(
            access.OFFICE_GROUP,
            [
                "auth.view_user",
                "auth.add_user",
                "auth.change_user",
                "authtoken.view_tokenproxy",
                "authtoken.add_tokenproxy",
                "authtoken.delete_tokenproxy",
                *access.model_permissions("units", ["city", "unit", "membership", "staffprofile"]),
            ],
        )
        access.register_group_permissions(access.UNIT_STAFF_GROUP, ["units.view_unit", "units.view_city"])
        # Groups must exist in every database, test databases included, and permissions exist only after
        # migrate; post_migrate is the one hook that runs then (and again after a test flush).
        post_migrate.connect(_sync_roles, dispatch_uid="units.roles_sync")
