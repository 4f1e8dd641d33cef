"""Who may see what. The provincial office and read-only API consumers are Django groups (editable in the admin);
unit staff are users with a Membership."""

from django.utils.translation import gettext_lazy as _

# Group names are data the office sees in the admin, so they are Chinese; code refers to these constants only.
OFFICE_GROUP = "省推广办"
CONSUMER_GROUP = "数据接口只读用户"
UNIT_STAFF_GROUP = "单位填报人员"

GROUP_DESCRIPTIONS = {
    OFFICE_GROUP: _("Provincial office: sees and reviews everything."),
    CONSUMER_GROUP: _("Read-only API consumer: approved data and statistics only."),
    UNIT_STAFF_GROUP: _("Unit staff: their own unit's reforms and reports."),
}


def is_office(user) -> bool:
    """True for the provincial office (and superusers, who administer the service)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # Cached on the user object: permission checks run several times per request.
    if not hasattr(user, "_is_office"):
        user._is_office = user.groups.filter(name=OFFICE_GROUP).exists()
    return user._is_office


def is_consumer(user) -> bool:
    """True for read-only API consumers: they read reference data, approved reports and statistics."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_consumer"):
        user._is_consumer = user.groups.filter(name=CONSUMER_GROUP).exists()
    return user._is_consumer


def unit_ids_of(user) -> list[int]:
    """Ids of the units `user` is a member of, cached for the request."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_unit_ids"):
        user._unit_ids = list(user.memberships.values_list("unit_id", flat=True))
    return user._unit_ids
