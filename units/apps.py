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
        # Groups must exist in every database, test databases included, and permissions exist only after
        # migrate; post_migrate is the one hook that runs then (and again after a test flush).
        post_migrate.connect(_sync_roles, dispatch_uid="units.roles_sync")
