"""One write path for a reform's responsible units: the import and the reform admin page both go through
reforms.services.responsibilities_save(), which orders the writes so the lead can change hands in one save."""

import pytest
from django.urls import reverse

from reforms import admin as reforms_admin
from reforms import services
from reforms.choices import Category, ResponsibilityRole, Scope
from reforms.importing import ReformRow
from reforms.models import Reform, Responsibility
from reforms.services import BatchSpec, reform_import, responsibilities_save
from reforms.tests.factories import BatchFactory, ReformFactory, ResponsibilityFactory

from .test_admin import form_data

pytestmark = pytest.mark.django_db


def row(number: int, units) -> ReformRow:
    return ReformRow(
        row=number + 1,
        position=number,
        category=Category.BEST_PRACTICE,
        number=number,
        title=f"改革事项{number}",
        content="主要内容",
        scope=Scope.QUALIFIED_CITIES,
        units=tuple(units),
    )


def units_of(reform: Reform) -> list[tuple[int, str, int]]:
    return list(reform.responsibilities.order_by("position").values_list("unit_id", "role", "position"))


@pytest.fixture
def calls(monkeypatch):
    """Every call of the service, by whichever caller; the real service still runs."""
    seen = []

    def spy(**kwargs):
        seen.append(kwargs)
        return responsibilities_save(**kwargs)

    monkeypatch.setattr(reforms_admin, "responsibilities_save", spy)
    monkeypatch.setattr(services, "responsibilities_save", spy)
    return seen


def test_the_admin_and_the_import_hand_the_lead_over_alike_through_the_service(client, office, unit_a, unit_b, calls):
    spec = BatchSpec(code="handover", title="移交测试批次")
    # Two reforms led by unit_a with unit_b as co-unit: one is changed on the admin page, the other by a re-import.
    reform_import(rows=[row(1, [unit_a, unit_b]), row(2, [unit_a, unit_b])], batch=spec)
    by_admin, by_import = Reform.objects.order_by("number")
    assert units_of(by_admin) == [(unit_a.pk, ResponsibilityRole.LEAD, 1), (unit_b.pk, ResponsibilityRole.CO, 2)]
    ids_before = set(by_admin.responsibilities.values_list("pk", flat=True))
    calls.clear()

    client.force_login(office)
    data = form_data(client.get(reverse("admin:reforms_reform_change", args=[by_admin.pk])))
    # The formset lists unit_a (lead) first, so its demotion and unit_b's promotion are posted in one save.
    assert data["responsibilities-0-unit"] == unit_a.pk
    data.update(
        {
            "responsibilities-0-role": ResponsibilityRole.CO,
            "responsibilities-0-position": "2",
            "responsibilities-1-role": ResponsibilityRole.LEAD,
            "responsibilities-1-position": "1",
        }
    )
    response = client.post(reverse("admin:reforms_reform_change", args=[by_admin.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    reform_import(rows=[row(1, [unit_b, unit_a]), row(2, [unit_b, unit_a])], batch=spec)

    expected = [(unit_b.pk, ResponsibilityRole.LEAD, 1), (unit_a.pk, ResponsibilityRole.CO, 2)]
    assert units_of(by_admin) == units_of(by_import) == expected
    # Rows are changed in place on both paths, not replaced.
    assert set(by_admin.responsibilities.values_list("pk", flat=True)) == ids_before
    # Both paths wrote through the service: the admin's save, then the import's handover of reform 2 (reform 1
    # already matched the file, so nothing was written for it).
    assert [call["reform"] for call in calls] == [by_admin, by_import]


def test_the_service_demotes_before_it_promotes_whatever_order_it_is_given(unit_a, unit_b):
    reform = ReformFactory(batch=BatchFactory())
    old_lead = ResponsibilityFactory(reform=reform, unit=unit_a, role=ResponsibilityRole.LEAD, position=1)
    new_lead = ResponsibilityFactory(reform=reform, unit=unit_b, role=ResponsibilityRole.CO, position=2)
    new_lead.role, old_lead.role = ResponsibilityRole.LEAD, ResponsibilityRole.CO

    # The promotion first: written in this order, the one-lead index would refuse it.
    responsibilities_save(reform=reform, rows=[new_lead, old_lead])

    assert reform.responsibilities.get(role=ResponsibilityRole.LEAD).unit == unit_b


def test_the_service_deletes_before_it_saves_and_refuses_another_reforms_row(unit_a, unit_b):
    reform = ReformFactory(batch=BatchFactory())
    old_lead = ResponsibilityFactory(reform=reform, unit=unit_a, role=ResponsibilityRole.LEAD, position=1)

    responsibilities_save(
        reform=reform,
        rows=[Responsibility(reform=reform, unit=unit_b, role=ResponsibilityRole.LEAD, position=1)],
        removed=[old_lead],
    )
    assert units_of(reform) == [(unit_b.pk, ResponsibilityRole.LEAD, 1)]

    other = ReformFactory(batch=reform.batch)
    with pytest.raises(ValueError):
        responsibilities_save(reform=reform, rows=[Responsibility(reform=other, unit=unit_a, role="co", position=2)])
    assert not other.responsibilities.exists()
