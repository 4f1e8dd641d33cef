import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.access import RestrictedQuerySet

from .choices import MembershipRole, UnitKind


def normalize_unit_name(name: str) -> str:
    """Fold the ways one unit name gets typed (full-width letters, stray spaces) into one key."""
    return "".join(unicodedata.normalize("NFKC", name).split())


class City(models.Model):
    """A prefecture-level city of Shandong, identified by its GB/T 2260 administrative code."""

    code = models.CharField(
        _("administrative code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^37\d{4}$", _("A Shandong code has six digits and starts with 37."))],
    )
    name = models.CharField(_("name"), max_length=20, unique=True)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A responsible unit (负责单位) named in a task-division table, e.g. 省市场监管局.

    `name` is written as the table writes it; `aliases` lists other spellings the import should accept
    (one per line), so the office's own files match the same unit.
    """

    name = models.CharField(_("name"), max_length=60, unique=True)
    short_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    city = models.ForeignKey(
        City,
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("Only for city-level units."),
    )
    aliases = models.TextField(_("other names"), blank=True, help_text=_("One per line; used when importing tables."))
    email = models.EmailField(_("contact e-mail"), blank=True)

    # Who sees which: core.access ("view": the office all, unit staff their own; "browse": everyone signed in).
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == UnitKind.CITY_GOVERNMENT and self.city_id is None:
            raise ValidationError({"city": _("A city government must name its city.")})

    def name_keys(self) -> set[str]:
        """Every normalised spelling under which an import may name this unit."""
        names = [self.name, *self.aliases.splitlines()]
        return {normalize_unit_name(n) for n in names if n.strip()}


class Membership(models.Model):
    """A user's place in a unit: reporters file progress reports, the unit manager also oversees them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.REPORTER)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["unit__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="units_membership_unique_user_unit")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"


# Digits with the separators people write in Chinese phone numbers: "0531-8888 6666", "+86 138 0000 0000", "(0531)
# 88886666 转 123" for an extension.
PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9][0-9 ()（）\-－转,，xX]{4,28}[0-9]$",
    _("Enter a phone number: digits, with spaces, dashes, brackets or “转” for an extension."),
)


class StaffProfile(models.Model):
    """What the office keeps about a person beyond their account: the phone number it calls them on.

    One per user rather than a field on Membership: a person in two units (a customs officer filing for 青岛海关 and
    济南海关) has one phone, and a copy per membership could disagree.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="staff_profile"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[PHONE_VALIDATOR])

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class CityMembership(models.Model):
    """A user's place in a city government: city staff file their city's progress on its rollout targets and apply
    for 有条件的市 items (issue 12). The same roles as unit memberships; the scope is the city, never another city."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="city_memberships"
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.REPORTER)

    class Meta:
        ordering = ["city__code", "user__username"]
        verbose_name = _("city membership")
        verbose_name_plural = _("city memberships")
        constraints = [models.UniqueConstraint(fields=["user", "city"], name="units_citymembership_unique_user_city")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.city} ({self.get_role_display()})"
