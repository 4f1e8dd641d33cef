"""The office manages accounts and memberships in the admin, without being able to create superusers."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from core.access import UNIT_STAFF_GROUP
from units.choices import MembershipRole
from units.tests.factories import UserFactory

User = get_user_model()


def test_a_membership_added_by_the_office_lets_the_person_into_the_admin(client, office, unit_a):
    person = UserFactory(username="newcomer")
    client.force_login(office)

    response = client.post(
        reverse("admin:units_membership_add"), {"user": person.pk, "unit": unit_a.pk, "role": MembershipRole.REPORTER}
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff
    assert person.groups.filter(name=UNIT_STAFF_GROUP).exists()


def test_deleting_the_last_membership_in_the_admin_closes_the_admin_to_that_person(client, office, reporter):
    client.force_login(office)
    membership = reporter.memberships.get()

    response = client.post(reverse("admin:units_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302
    reporter.refresh_from_db()
    assert not reporter.is_staff


def test_the_office_does_not_see_superusers_in_the_user_list(client, office):
    root = User.objects.create_superuser("root", "root@example.org", "pw-123456-root")
    client.force_login(office)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code in (302, 404)


def test_the_office_cannot_make_anyone_a_superuser(client, office, reporter):
    client.force_login(office)
    url = reverse("admin:auth_user_change", args=[reporter.pk])
    page = client.get(url)
    assert page.status_code == 200

    client.post(
        url,
        {
            "username": reporter.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": list(reporter.groups.values_list("pk", flat=True)),
        },
    )

    reporter.refresh_from_db()
    assert not reporter.is_superuser
