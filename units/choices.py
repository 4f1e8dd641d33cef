from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCIAL_DEPARTMENT = "provincial_department", _("Provincial department")
    CENTRAL_AGENCY = "central_agency", _("Central agency in Shandong")
    COURT_OR_PROCURATORATE = "court_or_procuratorate", _("Court or procuratorate")
    STATE_OWNED_ENTERPRISE = "state_owned_enterprise", _("State-owned enterprise")
    CITY_GOVERNMENT = "city_government", _("City government")


class MembershipRole(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    MANAGER = "manager", _("Unit manager")
