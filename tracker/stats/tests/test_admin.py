"""The office's colour overrides in the admin."""

import pytest
from django.urls import reverse

from ..models import StatusOverride

pytestmark = pytest.mark.django_db


def test_the_office_overrides_a_colour_with_a_reason(scenario, client, office):
    client.force_login(office)
    url = reverse("admin:stats_statusoverride_add")
    reform = scenario.reforms["R4"]

    refused = client.post(url, {"reform": reform.pk, "colour": "green", "reason": ""})
    assert refused.status_code == 200
    assert not StatusOverride.objects.exists()

    response = client.post(url, {"reform": reform.pk, "colour": "green", "reason": "已会商，进度符合预期"})

    assert response.status_code == 302
    override = StatusOverride.objects.get()
    assert (override.reform, override.colour, override.created_by) == (reform, "green", office)


def test_an_override_names_exactly_one_subject(scenario, client, office):
    client.force_login(office)

    response = client.post(
        reverse("admin:stats_statusoverride_add"),
        {"reform": scenario.reforms["R4"].pk, "unit": scenario.units["U1"].pk, "colour": "red", "reason": "说明"},
    )

    assert response.status_code == 200
    assert "请在改革事项、单位、城市中选且只选一项。" in response.content.decode()
    assert not StatusOverride.objects.exists()


def test_unit_staff_cannot_override(client, reporter):
    client.force_login(reporter)

    assert client.get(reverse("admin:stats_statusoverride_changelist")).status_code == 403


def test_the_colour_history_is_read_only(scenario, client, office):
    client.force_login(office)

    assert client.get(reverse("admin:stats_coloursnapshot_changelist")).status_code == 200
    assert client.get(reverse("admin:stats_coloursnapshot_add")).status_code == 403
