"""The units admin for each role: units, cities and memberships.

Personas (conftest.py): office sees and edits everything; reporter (unit_a) and other_reporter (unit_b) see their
own unit only, read-only, and no memberships. The reforms on unit and city pages are tested in
reforms/tests/test_admin.py, where that part of the page is built.
"""

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.helpers import listed
from units import admin as units_admin
from units.choices import MembershipRole, UnitKind
from units.models import City, Membership, Unit
from units.tests.factories import CityFactory, MembershipFactory, UnitFactory, UserFactory

UNITS = reverse("admin:units_unit_changelist")
CITIES = reverse("admin:units_city_changelist")
MEMBERSHIPS = reverse("admin:units_membership_changelist")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [UNITS, CITIES, MEMBERSHIPS, reverse("admin:index")])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_login_page_is_chinese_and_offers_english(client, db):
    content = client.get(reverse("admin:login")).content.decode()
    assert "山东自贸试验区制度创新成果复制推广跟踪" in content
    assert "登录" in content
    assert f'action="{reverse("set_language")}"' in content
    assert 'value="en"' in content


def test_the_index_shows_the_site_header_and_the_apps(admin_client_for, office):
    content = admin_client_for(office).get(reverse("admin:index")).content.decode()
    assert "山东自贸试验区制度创新成果复制推广跟踪" in content
    for label in ("单位与城市", "改革事项", "单位成员", "批次"):
        assert label in content, label


# Units ------------------------------------------------------------------------------------------------------------


def test_the_office_sees_every_unit(admin_client_for, office, unit_a, unit_b):
    assert listed(admin_client_for(office).get(UNITS), "name") == {unit_a.name, unit_b.name}


def test_unit_staff_see_only_their_own_unit(admin_client_for, reporter, unit_a, unit_b):
    response = admin_client_for(reporter).get(UNITS)
    assert listed(response, "name") == {unit_a.name}
    assert unit_b.name not in response.content.decode()


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_unit_answers_404(admin_client_for, other_reporter, unit_a, view):
    response = admin_client_for(other_reporter).get(reverse(f"admin:units_unit_{view}", args=[unit_a.pk]))
    assert response.status_code == 404


def test_unit_staff_see_their_unit_read_only(admin_client_for, reporter, unit_a):
    client = admin_client_for(reporter)
    response = client.get(reverse("admin:units_unit_change", args=[unit_a.pk]))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    response = client.post(reverse("admin:units_unit_change", args=[unit_a.pk]), {"name": "改名"})
    assert response.status_code == 403
    unit_a.refresh_from_db()
    assert unit_a.name == "省测试甲厅"


def test_the_unit_list_counts_members_whoever_looks(admin_client_for, reporter, office, unit_a):
    MembershipFactory(unit=unit_a)
    # The reporter's own membership is one of the two: the scope must not narrow the count to it.
    for user in (reporter, office):
        row = next(u for u in admin_client_for(user).get(UNITS).context["cl"].result_list if u == unit_a)
        assert row.member_count == 2


def test_units_can_be_searched_by_name_english_name_and_alias(admin_client_for, office):
    UnitFactory(name="省商务厅", short_en="Dept. of Commerce", aliases="山东省商务厅")
    UnitFactory(name="青岛海关", short_en="Qingdao Customs")
    client = admin_client_for(office)
    for term in ("商务", "Commerce", "山东省商务厅"):
        assert listed(client.get(UNITS, {"q": term}), "name") == {"省商务厅"}, term


def test_units_can_be_filtered_by_kind(admin_client_for, office, unit_a):
    UnitFactory(name="青岛市政府", kind=UnitKind.CITY_GOVERNMENT, city=CityFactory(name="青岛市"))
    response = admin_client_for(office).get(UNITS, {"kind__exact": UnitKind.CITY_GOVERNMENT})
    assert listed(response, "name") == {"青岛市政府"}


def test_a_city_government_without_a_city_is_refused(admin_client_for, office):
    response = admin_client_for(office).post(
        reverse("admin:units_unit_add"),
        {
            "name": "某市政府",
            "kind": UnitKind.CITY_GOVERNMENT,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "市政府须注明所属城市。" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 50])
def test_the_unit_changelist_query_count_does_not_grow_with_rows(
    admin_client_for, office, django_assert_num_queries, rows
):
    city = CityFactory()
    for _ in range(rows):
        MembershipFactory(unit=UnitFactory(city=city, kind=UnitKind.CITY_GOVERNMENT))
    client = admin_client_for(office)
    # 1 session, 2 user with its groups, units and permissions (core.authentication.ModelBackend), 3 count of
    # filtered rows, 4 count of all rows, 5 the page of units with their city joined and counts annotated.
    with django_assert_num_queries(5):
        response = client.get(UNITS)
    assert len(response.context["cl"].result_list) == rows


# Cities -----------------------------------------------------------------------------------------------------------


def test_cities_can_be_searched_by_name_and_code(admin_client_for, reporter):
    CityFactory(code="370200", name="青岛市", name_en="Qingdao")
    CityFactory(code="370100", name="济南市", name_en="Jinan")
    client = admin_client_for(reporter)
    for term in ("青岛", "Qingdao", "370200"):
        assert listed(client.get(CITIES, {"q": term}), "name") == {"青岛市"}, term


def test_unit_staff_cannot_change_cities(admin_client_for, reporter):
    city = CityFactory()
    assert admin_client_for(reporter).get(reverse("admin:units_city_add")).status_code == 403
    response = admin_client_for(reporter).get(reverse("admin:units_city_change", args=[city.pk]))
    assert response.context["has_change_permission"] is False


def test_the_unit_autocomplete_finds_units_for_the_office(admin_client_for, office):
    UnitFactory(name="省商务厅")
    UnitFactory(name="青岛海关")
    response = admin_client_for(office).get(
        reverse("admin:autocomplete"),
        {"app_label": "units", "model_name": "membership", "field_name": "unit", "term": "商务"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["省商务厅"]


# Memberships ------------------------------------------------------------------------------------------------------


def test_the_office_adds_a_member_to_a_unit(admin_client_for, office, unit_a):
    user = UserFactory(username="new_reporter")
    response = admin_client_for(office).post(
        reverse("admin:units_membership_add"), {"user": user.pk, "unit": unit_a.pk, "role": MembershipRole.MANAGER}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=user).role == MembershipRole.MANAGER


def test_a_user_is_a_member_of_a_unit_once(admin_client_for, office, reporter, unit_a):
    response = admin_client_for(office).post(
        reverse("admin:units_membership_add"), {"user": reporter.pk, "unit": unit_a.pk, "role": MembershipRole.MANAGER}
    )
    assert response.status_code == 200
    assert Membership.objects.filter(user=reporter).count() == 1


def test_the_office_lists_and_searches_memberships(admin_client_for, office, reporter, other_reporter, unit_a):
    client = admin_client_for(office)
    assert len(client.get(MEMBERSHIPS).context["cl"].result_list) == 2
    response = client.get(MEMBERSHIPS, {"q": "other_reporter"})
    assert [m.user for m in response.context["cl"].result_list] == [other_reporter]
    response = client.get(MEMBERSHIPS, {"role__exact": MembershipRole.REPORTER, "q": unit_a.name})
    assert [m.user for m in response.context["cl"].result_list] == [reporter]


def test_unit_staff_cannot_see_memberships(admin_client_for, manager, unit_a):
    client = admin_client_for(manager)
    assert client.get(MEMBERSHIPS).status_code == 403
    content = client.get(reverse("admin:units_unit_change", args=[unit_a.pk])).content.decode()
    assert "memberships-TOTAL_FORMS" not in content


def test_the_office_manages_members_on_the_unit_page(admin_client_for, office, reporter, unit_a):
    response = admin_client_for(office).get(reverse("admin:units_unit_change", args=[unit_a.pk]))
    assert "memberships-TOTAL_FORMS" in response.content.decode()
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Membership)
    assert [form.instance.user for form in inline.formset.forms] == [reporter]


def test_every_admin_page_links_to_the_dashboard(admin_client_for, reporter):
    content = admin_client_for(reporter).get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("stats:dashboard")}"' in content


def test_the_unit_and_city_pages_are_units_own_admins_with_the_reforms_part_added():
    # Registered once, by units; reforms adds its columns and inlines through PageParts instead of replacing them.
    assert type(admin.site._registry[Unit]) is units_admin.UnitAdmin
    assert type(admin.site._registry[City]) is units_admin.CityAdmin
    assert [type(part).__name__ for part in units_admin.UnitAdmin.parts] == ["UnitReformsPart"]
    assert [type(part).__name__ for part in units_admin.CityAdmin.parts] == ["CityTargetsPart"]
    tree = ast.parse(Path(units_admin.__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in imported if m.split(".")[0] in ("reforms", "tracker")]
