"""The reforms admin for each role: what the office and unit staff see and may change, filters, search, counts and
query counts, and the language it speaks.

Personas (conftest.py): office sees and edits everything; reporter (unit_a) and other_reporter (unit_b) see their
own unit's reforms read-only; manager is unit_a's manager, read-only in the admin too.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Reform, Responsibility, RolloutTarget
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory, RolloutTargetFactory
from tests.helpers import listed
from units.tests.factories import CityFactory, UnitFactory

CHANGELIST = reverse("admin:reforms_reform_changelist")


def change_url(reform: Reform) -> str:
    return reverse("admin:reforms_reform_change", args=[reform.pk])


def reform_of(unit, **kwargs) -> Reform:
    """A reform led by `unit`."""
    reform = ReformFactory(**kwargs)
    ResponsibilityFactory(reform=reform, unit=unit, role=ResponsibilityRole.LEAD)
    return reform


def form_data(response) -> dict:
    """The POST body a browser would send back for an admin change page, unchanged: main form and inlines."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


# Who gets in ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_the_login_page(client, unit_a):
    reform = reform_of(unit_a)
    for url in (CHANGELIST, change_url(reform)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_the_office_sees_every_reform(admin_client_for, office, unit_a, unit_b):
    mine, theirs = reform_of(unit_a), reform_of(unit_b)
    response = admin_client_for(office).get(CHANGELIST)
    assert response.status_code == 200
    assert listed(response, "code") == {mine.code, theirs.code}


def test_unit_staff_see_only_their_own_units_reforms(admin_client_for, reporter, unit_a, unit_b):
    mine, theirs = reform_of(unit_a), reform_of(unit_b)
    response = admin_client_for(reporter).get(CHANGELIST)
    assert response.status_code == 200
    assert listed(response, "code") == {mine.code}
    assert theirs.title not in response.content.decode()


def test_unit_staff_see_the_reforms_their_unit_co_implements(admin_client_for, reporter, unit_a, unit_b):
    shared = reform_of(unit_b)
    ResponsibilityFactory(reform=shared, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    response = admin_client_for(reporter).get(CHANGELIST)
    assert listed(response, "code") == {shared.code}


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_units_reform_answers_404(admin_client_for, other_reporter, unit_a, view):
    reform = reform_of(unit_a)
    response = admin_client_for(other_reporter).get(reverse(f"admin:reforms_reform_{view}", args=[reform.pk]))
    assert response.status_code == 404
    assert reform.title not in response.content.decode()


def test_unit_staff_see_their_reform_read_only(admin_client_for, reporter, unit_a):
    reform = reform_of(unit_a, title="跨境电商通关便利化")
    client = admin_client_for(reporter)
    response = client.get(change_url(reform))
    assert response.status_code == 200
    assert "跨境电商通关便利化" in response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()
    response = client.post(change_url(reform), {"title": "改掉"})
    assert response.status_code == 403
    reform.refresh_from_db()
    assert reform.title == "跨境电商通关便利化"


def test_a_unit_manager_is_read_only_in_the_admin_too(admin_client_for, manager, unit_a):
    reform = reform_of(unit_a)
    response = admin_client_for(manager).get(change_url(reform))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_unit_staff_cannot_add_reforms(admin_client_for, reporter):
    assert admin_client_for(reporter).get(reverse("admin:reforms_reform_add")).status_code == 403


def test_unit_staff_get_no_actions_on_the_changelist(admin_client_for, reporter, unit_a):
    reform_of(unit_a)
    response = admin_client_for(reporter).get(CHANGELIST)
    assert response.context["action_form"] is None


# The change page ------------------------------------------------------------------------------------------------


def test_the_change_page_shows_the_reforms_units_and_cities_inline(admin_client_for, office, unit_a, unit_b):
    reform = reform_of(unit_a)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    city = CityFactory(name="测试滨海市")
    RolloutTargetFactory(reform=reform, city=city)
    response = admin_client_for(office).get(change_url(reform))
    inlines = {inline.formset.model: inline.formset for inline in response.context["inline_admin_formsets"]}
    assert [form.instance.unit for form in inlines[Responsibility].forms] == [unit_a, unit_b]
    assert [form.instance.city for form in inlines[RolloutTarget].forms] == [city]
    content = response.content.decode()
    assert unit_b.name in content
    assert "测试滨海市" in content


def test_the_verification_note_is_shown_above_the_form(admin_client_for, reporter, unit_a):
    reform = reform_of(unit_a, needs_verification=True, verification_note="扫描件第3页模糊，牵头单位待核对")
    content = admin_client_for(reporter).get(change_url(reform)).content.decode()
    banner = content.index('id="verification-note"')
    # Inside the form, above its first fieldset.
    assert content.index('id="reform_form"') < banner < content.index("扫描件第3页模糊") < content.index("<fieldset")
    assert "需与纸质原件核对" in content


def test_a_reform_without_doubts_shows_no_verification_banner(admin_client_for, office, unit_a):
    reform = reform_of(unit_a)
    assert 'id="verification-note"' not in admin_client_for(office).get(change_url(reform)).content.decode()


def test_the_office_can_change_a_reform_and_its_inlines(admin_client_for, office, unit_a, unit_b):
    reform = reform_of(unit_a, scope=Scope.QUALIFIED_CITIES)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    target = RolloutTargetFactory(reform=reform, city=CityFactory())
    client = admin_client_for(office)
    data = form_data(client.get(change_url(reform)))
    data["title"] = "新标题"
    data["targets-0-status"] = TargetStatus.DONE
    response = client.post(change_url(reform), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    reform.refresh_from_db()
    target.refresh_from_db()
    assert reform.title == "新标题"
    assert target.status == TargetStatus.DONE


def test_two_lead_units_are_refused_with_a_message(admin_client_for, office, unit_a, unit_b):
    reform = reform_of(unit_a)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    client = admin_client_for(office)
    data = form_data(client.get(change_url(reform)))
    data["responsibilities-1-role"] = ResponsibilityRole.LEAD
    response = client.post(change_url(reform), data)
    assert response.status_code == 200
    assert "每项改革事项只能有一个牵头单位。" in response.content.decode()
    assert reform.responsibilities.get(unit=unit_b).role == ResponsibilityRole.CO


def test_responsible_units_without_a_lead_are_refused(admin_client_for, office, unit_a):
    reform = reform_of(unit_a)
    client = admin_client_for(office)
    data = form_data(client.get(change_url(reform)))
    data["responsibilities-0-role"] = ResponsibilityRole.CO
    response = client.post(change_url(reform), data)
    assert response.status_code == 200
    assert "请将其中一个负责单位设为牵头单位。" in response.content.decode()


def test_the_lead_passes_from_one_unit_to_another_in_one_save(admin_client_for, office, unit_a, unit_b):
    reform = ReformFactory()
    # unit_b is listed first, so its promotion comes first in the formset: the save must still demote unit_a first.
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=0)
    ResponsibilityFactory(reform=reform, unit=unit_a, role=ResponsibilityRole.LEAD, position=1)
    client = admin_client_for(office)
    data = form_data(client.get(change_url(reform)))
    assert data["responsibilities-0-unit"] == unit_b.pk
    data["responsibilities-0-role"] = ResponsibilityRole.LEAD
    data["responsibilities-1-role"] = ResponsibilityRole.CO
    response = client.post(change_url(reform), data)
    assert response.status_code == 302
    assert reform.responsibilities.get(role=ResponsibilityRole.LEAD).unit == unit_b


def test_a_not_applicable_city_needs_a_reason(admin_client_for, office, unit_a):
    reform = reform_of(unit_a, scope=Scope.QUALIFIED_CITIES)
    target = RolloutTargetFactory(reform=reform, city=CityFactory())
    client = admin_client_for(office)
    data = form_data(client.get(change_url(reform)))
    data["targets-0-status"] = TargetStatus.NOT_APPLICABLE
    response = client.post(change_url(reform), data)
    assert response.status_code == 200
    assert "请填写该城市不适用的原因。" in response.content.decode()
    target.refresh_from_db()
    assert target.status == TargetStatus.NOT_STARTED


def test_adding_a_whole_province_reform_gives_it_every_city(admin_client_for, office, unit_a):
    cities = [CityFactory() for _ in range(3)]
    batch = BatchFactory()
    client = admin_client_for(office)
    data = form_data(client.get(reverse("admin:reforms_reform_add")))
    data.update(
        batch=batch.pk,
        category=Category.PILOT,
        number=1,
        position=1,
        code="t-p01",
        title="新增事项",
        scope=Scope.ALL_CITIES,
        **{
            "responsibilities-TOTAL_FORMS": 1,
            "responsibilities-0-unit": unit_a.pk,
            "responsibilities-0-role": ResponsibilityRole.LEAD,
            "responsibilities-0-position": 0,
        },
    )
    response = client.post(reverse("admin:reforms_reform_add"), data)
    assert response.status_code == 302
    reform = Reform.objects.get(code="t-p01")
    assert set(reform.cities.all()) == set(cities)
    assert reform.responsibilities.get().unit == unit_a


def test_the_sync_action_gives_whole_province_reforms_every_city(admin_client_for, office, unit_a):
    cities = [CityFactory() for _ in range(3)]
    everywhere = reform_of(unit_a, scope=Scope.ALL_CITIES)
    RolloutTargetFactory(reform=everywhere, city=cities[0], status=TargetStatus.DONE)
    chosen = reform_of(unit_a, scope=Scope.QUALIFIED_CITIES)
    response = admin_client_for(office).post(
        CHANGELIST, {"action": "sync_targets", "_selected_action": [everywhere.pk, chosen.pk]}
    )
    assert response.status_code == 302
    assert set(everywhere.cities.all()) == set(cities)
    # The status of a target that existed is kept; cities are not forced on a 有条件的市 reform.
    assert everywhere.targets.get(city=cities[0]).status == TargetStatus.DONE
    assert not chosen.targets.exists()


# The list: columns, filters, search ------------------------------------------------------------------------------


def test_the_list_shows_lead_unit_and_city_counts(admin_client_for, office, unit_a, unit_b):
    reform = reform_of(unit_a)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    for status in (TargetStatus.DONE, TargetStatus.DONE, TargetStatus.IN_PROGRESS):
        RolloutTargetFactory(reform=reform, city=CityFactory(), status=status)
    row = admin_client_for(office).get(CHANGELIST).context["cl"].result_list[0]
    assert (row.lead_unit_name, row.target_count, row.done_count) == (unit_a.name, 3, 2)


def test_the_list_filters_by_batch_category_scope_and_verification(admin_client_for, office, unit_a):
    other_batch = BatchFactory()
    a = reform_of(unit_a, category=Category.PILOT, scope=Scope.ALL_CITIES)
    b = reform_of(unit_a, category=Category.BEST_PRACTICE, scope=Scope.QUALIFIED_CITIES, batch=other_batch)
    c = reform_of(unit_a, scope=Scope.UNVERIFIED, needs_verification=True, verification_note="范围缺失")
    client = admin_client_for(office)
    assert listed(client.get(CHANGELIST, {"batch__id__exact": other_batch.pk}), "code") == {b.code}
    assert listed(client.get(CHANGELIST, {"category__exact": Category.PILOT}), "code") == {a.code}
    assert listed(client.get(CHANGELIST, {"scope__exact": Scope.QUALIFIED_CITIES}), "code") == {b.code}
    assert listed(client.get(CHANGELIST, {"needs_verification__exact": "1"}), "code") == {c.code}


def test_the_list_filters_by_responsible_unit_and_target_city(admin_client_for, office, unit_a, unit_b):
    # Two cities: Django's admin drops a related filter that has a single choice to offer.
    city, other_city = CityFactory(), CityFactory()
    led_by_a = reform_of(unit_a)
    led_by_b = reform_of(unit_b)
    ResponsibilityFactory(reform=led_by_b, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    RolloutTargetFactory(reform=led_by_b, city=city)
    only_b = reform_of(unit_b)
    RolloutTargetFactory(reform=only_b, city=other_city)
    client = admin_client_for(office)
    assert listed(client.get(CHANGELIST, {"responsibilities__unit__id__exact": unit_a.pk}), "code") == {
        led_by_a.code,
        led_by_b.code,
    }
    assert listed(client.get(CHANGELIST, {"targets__city__id__exact": city.pk}), "code") == {led_by_b.code}
    assert only_b.code in listed(client.get(CHANGELIST), "code")


def test_filtering_by_unit_keeps_the_city_counts_whole(admin_client_for, office, unit_a, unit_b):
    reform = reform_of(unit_a)
    ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=1)
    for _ in range(3):
        RolloutTargetFactory(reform=reform, city=CityFactory())
    response = admin_client_for(office).get(CHANGELIST, {"responsibilities__unit__id__exact": unit_b.pk})
    assert [row.target_count for row in response.context["cl"].result_list] == [3]


def test_the_unit_filter_offers_unit_staff_only_the_units_they_work_with(admin_client_for, reporter, unit_a, unit_b):
    shared = reform_of(unit_a)
    partner = UnitFactory(name="省测试丙厅")
    ResponsibilityFactory(reform=shared, unit=partner, role=ResponsibilityRole.CO, position=1)
    reform_of(unit_b)
    response = admin_client_for(reporter).get(CHANGELIST)
    unit_filter = next(f for f in response.context["cl"].filter_specs if f.field_path == "responsibilities__unit")
    assert {name for _, name in unit_filter.lookup_choices} == {unit_a.name, partner.name}


@pytest.mark.parametrize(
    ("term", "expected"),
    [("通关", "customs"), ("跨境数据", "data"), ("t-b07", "data")],
    ids=["title", "content", "code"],
)
def test_search_looks_in_title_content_and_code(admin_client_for, office, unit_a, term, expected):
    reforms = {
        "customs": reform_of(unit_a, title="国际贸易通关一体化", content="单一窗口", code="t-b01"),
        "data": reform_of(unit_a, title="数据出境服务", content="跨境数据流动", code="t-b07"),
    }
    response = admin_client_for(office).get(CHANGELIST, {"q": term})
    assert listed(response, "code") == {reforms[expected].code}


def test_search_stays_within_the_users_scope(admin_client_for, reporter, unit_b):
    reform_of(unit_b, title="国际贸易通关一体化")
    assert listed(admin_client_for(reporter).get(CHANGELIST, {"q": "通关"}), "code") == set()


# Query counts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 50])
def test_the_office_changelist_query_count_does_not_grow_with_rows(
    admin_client_for, office, unit_a, django_assert_num_queries, rows
):
    batch = BatchFactory()
    city = CityFactory()
    for _ in range(rows):
        reform = reform_of(unit_a, batch=batch)
        ResponsibilityFactory(reform=reform, unit=UnitFactory(), role=ResponsibilityRole.CO, position=1)
        RolloutTargetFactory(reform=reform, city=city, status=TargetStatus.DONE)
    client = admin_client_for(office)
    # 1 session, 2 user with its groups, units and permissions (core.authentication.ModelBackend; was 2-5 before
    # issue 11), 3 batch filter choices, 4 unit filter choices, 5 city filter choices, 6 count of filtered rows,
    # 7 count of all rows ("of N total"), 8 the page of reforms with lead unit and counts annotated.
    with django_assert_num_queries(8):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_unit_staff_changelist_query_count_does_not_grow_with_rows(
    admin_client_for, reporter, unit_a, django_assert_num_queries, rows
):
    batch = BatchFactory()
    for _ in range(rows):
        reform_of(unit_a, batch=batch)
        reform_of(UnitFactory(), batch=batch)
    client = admin_client_for(reporter)
    # 1 session, 2 user with its groups, units and permissions (was 2-7: permissions, office and consumer checks
    # and unit ids apart), 3 batch filter choices, 4 unit filter choices, 5 city filter choices, 6 count of filtered
    # rows, 7 count of all rows, 8 the page of reforms.
    with django_assert_num_queries(8):
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == rows


# Language -------------------------------------------------------------------------------------------------------


def test_the_admin_speaks_chinese_by_default(admin_client_for, office, unit_a):
    reform_of(unit_a, title="跨境电商通关便利化", category=Category.PILOT, scope=Scope.ALL_CITIES)
    content = admin_client_for(office).get(CHANGELIST).content.decode()
    assert "山东自贸试验区制度创新成果复制推广跟踪" in content
    assert "选择 改革事项 来修改" in content
    for label in ("牵头单位", "推广城市数", "已完成/适用城市", "需核实", "改革试点经验", "全省", "推广范围"):
        assert label in content, label
    assert "Select reform to change" not in content


def test_the_admin_speaks_english_with_the_language_cookie(admin_client_for, office, unit_a):
    reform_of(unit_a, title="跨境电商通关便利化", category=Category.PILOT, scope=Scope.ALL_CITIES)
    client = admin_client_for(office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = client.get(CHANGELIST).content.decode()
    assert "Select reform to change" in content
    for label in (
        "Lead unit",
        "Target cities",
        "Done / applicable cities",
        "Reform pilot experience",
        "Whole province",
    ):
        assert label in content, label
    assert "牵头单位" not in content


def test_the_admin_speaks_english_to_an_english_browser(admin_client_for, office):
    content = admin_client_for(office).get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Shandong Pilot FTZ Institutional Innovation Rollout Tracker" in content


def test_the_language_switcher_posts_to_set_language(admin_client_for, office):
    client = admin_client_for(office)
    content = client.get(CHANGELIST).content.decode()
    assert f'action="{reverse("set_language")}"' in content
    response = client.post(reverse("set_language"), {"language": "en", "next": CHANGELIST})
    assert response.status_code == 302
    assert "Select reform to change" in client.get(CHANGELIST).content.decode()


# Batches, and the reforms on the unit and city pages -------------------------------------------------------------


def test_the_batch_list_counts_reforms_by_category(admin_client_for, office, unit_a):
    batch = BatchFactory()
    for category in (Category.PILOT, Category.BEST_PRACTICE, Category.BEST_PRACTICE):
        reform_of(unit_a, batch=batch, category=category)
    response = admin_client_for(office).get(reverse("admin:reforms_batch_changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.reform_count, row.pilot_count, row.best_practice_count) == (3, 1, 2)
    assert f"?batch__id__exact={batch.pk}" in response.content.decode()


def test_the_unit_page_lists_the_units_reforms(admin_client_for, office, unit_a, unit_b):
    led = reform_of(unit_a, title="牵头的事项")
    co = reform_of(unit_b, title="配合的事项")
    ResponsibilityFactory(reform=co, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    reform_of(unit_b, title="无关的事项")
    response = admin_client_for(office).get(reverse("admin:units_unit_change", args=[unit_a.pk]))
    content = response.content.decode()
    assert "牵头的事项" in content
    assert "配合的事项" in content
    assert "无关的事项" not in content
    assert change_url(led) in content


def test_the_unit_list_counts_reforms_and_leads(admin_client_for, office, unit_a, unit_b):
    reform_of(unit_a)
    co = reform_of(unit_b)
    ResponsibilityFactory(reform=co, unit=unit_a, role=ResponsibilityRole.CO, position=1)
    response = admin_client_for(office).get(reverse("admin:units_unit_changelist"))
    rows = {unit.name: (unit.reform_count, unit.lead_count) for unit in response.context["cl"].result_list}
    assert rows[unit_a.name] == (2, 1)
    assert rows[unit_b.name] == (1, 1)


def test_the_city_page_lists_only_the_reforms_the_user_may_see(admin_client_for, reporter, unit_a, unit_b):
    city = CityFactory()
    RolloutTargetFactory(reform=reform_of(unit_a, title="本单位事项"), city=city, status=TargetStatus.DONE)
    RolloutTargetFactory(reform=reform_of(unit_b, title="他单位事项"), city=city)
    RolloutTargetFactory(
        reform=reform_of(unit_a, title="本单位不适用事项"),
        city=city,
        status=TargetStatus.NOT_APPLICABLE,
        not_applicable_reason="本市无此业务",
    )
    client = admin_client_for(reporter)
    content = client.get(reverse("admin:units_city_change", args=[city.pk])).content.decode()
    assert "本单位事项" in content
    assert "他单位事项" not in content
    response = client.get(reverse("admin:units_city_changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.target_count, row.done_count, row.applicable_count) == (2, 1, 1)
    # Done out of the applicable ones (the not-applicable reform left out), as everywhere.
    assert "1 / 1" in response.content.decode()
