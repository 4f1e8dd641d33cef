"""Admin for cities, units and memberships, and the admin site's titles.

The titles are set on the default `admin.site` here rather than in a custom AdminSite: `admin.autodiscover()` imports
this module (units is the first project app) before any request is served, and a custom site would have to replace
`admin.site` in config/urls.py and in every app's `register` call for three strings.

The reforms app adds the "their reforms" part to the unit and city pages (a core.admin.PagePart registered from
reforms/admin.py), because units must not import reforms. Scopes and permissions: core.access.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from core import access
from core.admin import OutOfScopeIs404Mixin, PagePartsMixin
from core.tables import ImportFailed

from .importing import STAFF_COLUMNS, staff_import
from .invitations import invitation_send
from .models import City, Membership, StaffProfile, Unit
from .services import membership_create, membership_delete

admin.site.site_header = _("Shandong Pilot FTZ Institutional Innovation Rollout Tracker")
admin.site.site_title = _("Rollout Tracker")
admin.site.index_title = _("Rollout administration")
# There is no public site beside the admin and the API, so no "View site" link to a 404.
admin.site.site_url = None


@admin.register(City)
class CityAdmin(OutOfScopeIs404Mixin, PagePartsMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    list_display_links = ["code", "name"]
    # Autocomplete on rollout targets searches here.
    search_fields = ["name", "name_en", "code"]
    ordering = ["code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role"]
    extra = 0
    # A plain select for users: an autocomplete would need the office to hold auth.view_user, which it does not.

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Unit)
class UnitAdmin(OutOfScopeIs404Mixin, PagePartsMixin, admin.ModelAdmin):
    list_display = ["name", "short_en", "kind", "city", "member_count"]
    ordering = ["name"]
    list_filter = ["kind"]
    list_select_related = ["city"]
    # Autocomplete on responsibilities and memberships searches here.
    search_fields = ["name", "short_en", "aliases"]
    autocomplete_fields = ["city"]
    fieldsets = [
        (None, {"fields": ["name", "short_en", "kind", "city"]}),
        (_("Contact and import"), {"fields": ["email", "aliases"]}),
    ]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Memberships go through the services, which also open the admin to the new member.
        for membership in formset.save(commit=False):
            membership_create(user=membership.user, unit=form.instance, role=membership.role)
        for membership in formset.deleted_objects:
            membership_delete(membership=membership)

    def get_queryset(self, request):
        # Scoped through a subquery rather than restrict()'s join on memberships: that join would also narrow the
        # member count below to the signed-in user's own membership.
        visible = Unit.objects.restrict(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible)
            .annotate(
                # distinct: reforms/admin.py's part counts responsibilities in this query too, a second join
                # multiplying rows.
                member_count=Count("memberships", distinct=True)
            )
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Unit) -> int:
        return obj.member_count


@admin.register(Membership)
class MembershipAdmin(OutOfScopeIs404Mixin, admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role", "unit__kind"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "unit__name"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="units_membership_import"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_staff": can_import_staff(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """Upload a staff table: every row checked first, then all written (or, with "check only", none)."""
        if not can_import_staff(request):
            raise PermissionDenied
        form = StaffImportForm(request.POST or None, request.FILES or None)
        issues, result = [], None
        if request.method == "POST" and form.is_valid():
            try:
                result = staff_import(file=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"])
            except ImportFailed as exc:
                issues = exc.issues
            else:
                for line in result.lines():
                    messages.add_message(
                        request, messages.WARNING if result.invitation_failures else messages.SUCCESS, line
                    )
                if not result.dry_run:
                    return redirect("admin:units_membership_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import unit staff"),
            "form": form,
            "issues": issues,
            "columns": STAFF_COLUMNS,
        }
        return TemplateResponse(request, "admin/units/membership/import.html", context, status=400 if issues else 200)

    def save_model(self, request, obj, form, change):
        if change and "user" in form.changed_data:
            membership_delete(membership=Membership.objects.get(pk=obj.pk))
        membership_create(user=obj.user, unit=obj.unit, role=obj.role)

    def delete_model(self, request, obj):
        membership_delete(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user"):
            membership_delete(membership=membership)


def can_import_staff(request) -> bool:
    return access.may_import_staff(request.user)


class StaffImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)


User = get_user_model()


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    fields = ["phone"]
    can_delete = False


@admin.action(description=_("Send a set-your-password link"))
def send_set_password_link(modeladmin, request, queryset):
    """For accounts whose first link expired or never arrived; a link also lets someone who forgot theirs reset it."""
    users = queryset.filter(is_active=True, is_superuser=False).exclude(email="")
    outcome = invitation_send(user_ids=list(users.values_list("pk", flat=True)))
    if outcome.sent:
        count = len(outcome.sent)
        message = ngettext("Link sent to %(count)d account.", "Links sent to %(count)d accounts.", count)
        modeladmin.message_user(request, message % {"count": count}, messages.SUCCESS)
    skipped = queryset.count() - users.count()
    if skipped:
        message = _("%(count)d accounts were skipped: inactive, administrators, or without an e-mail address.")
        modeladmin.message_user(request, message % {"count": skipped}, messages.WARNING)
    if outcome.failed:
        message = _("The mail server refused or could not be reached; not sent to: %(users)s")
        modeladmin.message_user(request, message % {"users": "、".join(outcome.failed)}, messages.ERROR)


class OfficeUserAdmin(UserAdmin):
    """The office creates and edits the accounts of unit staff and consumers, but not superusers, and cannot make
    anyone a superuser or hand out single permissions: those stay with the service's administrators."""

    inlines = [StaffProfileInline]
    actions = [send_set_password_link]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import_staff": can_import_staff(request)}
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly


admin.site.unregister(User)
admin.site.register(User, OfficeUserAdmin)


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class OfficeTokenAdmin(OutOfScopeIs404Mixin, TokenAdmin):
    """API tokens: the office issues them to read-only consumers and revokes them (deletes: the key stops working at
    once; a new token has a new key). Administrators' tokens are not the office's to see."""

    # A plain select of the consumers rather than DRF's autocomplete over every account.
    autocomplete_fields = ()
    list_select_related = ["user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user__is_superuser=False)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # Only consumers: a token for unit staff or the office would be a second way into their work, around
            # the sign-in lockout and outside the office's view.
            consumers = User.objects.filter(groups__name=access.CONSUMER_GROUP, is_superuser=False)
            kwargs["queryset"] = consumers.filter(auth_token__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
