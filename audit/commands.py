"""Writes made by management commands are attributed to "manage.py <command>".

Django has no hook around a command's run, so BaseCommand.execute is wrapped once, at start-up. Commands that serve
requests (runserver: each request has its own context) or run the tests are left alone.
"""

import functools

from django.core.management.base import BaseCommand

from .context import audit_context

UNWRAPPED = {"runserver", "testserver", "test"}


def record_command_writes() -> None:
    if getattr(BaseCommand.execute, "_audited", False):
        return
    original = BaseCommand.execute

    @functools.wraps(original)
    def execute(self, *args, **options):
        name = self.__module__.rsplit(".", 1)[-1]
        if name in UNWRAPPED:
            return original(self, *args, **options)
        with audit_context(process=f"manage.py {name}"):
            return original(self, *args, **options)

    execute._audited = True
    BaseCommand.execute = execute
