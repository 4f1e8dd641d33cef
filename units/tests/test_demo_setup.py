"""The quickstart's `demo_setup`: reference data into an empty database, demo users of every role, idempotent."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from reforms.models import Reform
from units.models import City, Unit
from units.roles import CONSUMER_GROUP, OFFICE_GROUP, UNIT_STAFF_GROUP

User = get_user_model()


def test_it_loads_the_first_batch_and_a_user_for_every_role(settings, db, capsys):
    settings.DEBUG = True

    call_command("demo_setup")

    assert (Reform.objects.count(), Unit.objects.count(), City.objects.count()) == (38, 30, 16)
    customs = User.objects.get(username="customs")
    assert sorted(customs.memberships.values_list("unit__name", flat=True)) == ["济南海关", "青岛海关"]
    assert customs.is_staff and customs.groups.filter(name=UNIT_STAFF_GROUP).exists()
    assert User.objects.get(username="office").groups.filter(name=OFFICE_GROUP).exists()
    api = User.objects.get(username="api")
    assert api.groups.filter(name=CONSUMER_GROUP).exists() and not api.is_staff
    out = capsys.readouterr().out
    assert "office-demo-2026" in out and Token.objects.get(user=api).key in out


def test_running_it_again_changes_nothing(settings, db):
    settings.DEBUG = True
    call_command("demo_setup")
    Reform.objects.filter(code="sdftz-1-p01").update(title="省推广办改过的标题")

    call_command("demo_setup")

    assert Reform.objects.count() == 38
    assert Reform.objects.get(code="sdftz-1-p01").title == "省推广办改过的标题"
    assert User.objects.filter(username="customs").get().memberships.count() == 2


def test_it_refuses_to_run_outside_the_local_demo(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_setup")
    assert not User.objects.exists()
