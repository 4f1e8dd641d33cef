"""Sign-in to the admin is throttled by django-axes: after too many wrong passwords the same user name from the same
address gets 429 with Retry-After, even with the right password, until the cool-off has passed."""

import time_machine
from django.urls import reverse

from units.tests.factories import UserFactory

LOGIN = reverse("admin:login")


def attempt(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def test_five_wrong_passwords_lock_the_user_name_out_with_429_and_retry_after(client, settings, db):
    UserFactory(username="zhang", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "zhang", "wrong").status_code == 200  # the form again, with its error

    locked = attempt(client, "zhang", "wrong")

    assert locked.status_code == 429
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "登录尝试次数过多" in locked.content.decode()
    # Even the right password is refused while locked out.
    assert attempt(client, "zhang", "pass-1234-word").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, settings, db):
    UserFactory(username="li", is_staff=True)
    with time_machine.travel("2026-11-26 09:00 +0800", tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            attempt(client, "li", "wrong")
        assert attempt(client, "li", "pass-1234-word").status_code == 429

        traveller.shift(settings.AXES_COOLOFF_TIME.total_seconds() + 1)

        assert attempt(client, "li", "pass-1234-word").status_code == 302


def test_a_locked_out_name_does_not_lock_out_a_colleague(client, settings, db):
    UserFactory(username="wang", is_staff=True)
    UserFactory(username="zhao", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wang", "wrong")

    assert attempt(client, "zhao", "pass-1234-word").status_code == 302
