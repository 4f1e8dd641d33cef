"""The model permissions each role's group holds (part 2 of core.access)."""

from .roles import (
    CONSUMER_GROUP,
    OFFICE_GROUP,
    UNIT_STAFF_GROUP,
)

# 2. Model permissions per role ----------------------------------------------------------------------------------------
# Model permissions open the admin pages and the API's writes; the rows come from section 3 on top of them. Each app
# adds its own models' from its AppConfig.ready() (which runs before migrate's post_migrate signal, where
# units.services.roles_sync() gives each group exactly these), so core and units name no model of a higher app.

CRUD = ("add", "change", "delete", "view")

GROUP_PERMISSIONS: dict[str, list[str]] = {OFFICE_GROUP: [], UNIT_STAFF_GROUP: [], CONSUMER_GROUP: []}


def register_group_permissions(group_name: str, permissions) -> None:
    """Give the role `group_name` these permissions ("app_label.codename"), once each."""
    granted = GROUP_PERMISSIONS.setdefault(group_name, [])
    for perm in permissions:
        if perm not in granted:
            granted.append(perm)


def model_permissions(app_label: str, models_: list[str], actions=CRUD) -> list[str]:
    """["<app>.<action>_<model>", ...] for every model and action given."""
    return [f"{app_label}.{action}_{model}" for model in models_ for action in actions]
