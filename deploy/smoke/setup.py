"""TEST ONLY (scripts/smoke_stack): the smoke test's accounts and reporting rule, made inside the web container.

Piped into `manage.py shell` (which runs its standard input), with SMOKE_OFFICE_PASSWORD and
SMOKE_REPORTER_PASSWORD in the environment. Loads the reference data (cities, units, the first batch), gives the
first batch a monthly rule (due on the 5th, reminders 7/3/1 days before), and makes an office reviewer and a
reporter of the lead unit of the batch's first reform. Prints one JSON line for the smoke test.
"""

import datetime
import json
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from core.access import OFFICE_GROUP
from reforms.models import Batch, Responsibility
from tracker.reminders.models import ReportingRule
from units.choices import MembershipRole
from units.services import membership_create

call_command("loaddata", "cities", "units", "reforms", verbosity=0)
batch = Batch.objects.order_by("pk").first()
ReportingRule.objects.create(batch=batch, due_day=5, starts_on=datetime.date(2026, 1, 1), remind_days_before="7,3,1")
lead = (
    Responsibility.objects.filter(reform__batch=batch, role="lead")
    .select_related("reform", "unit")
    .order_by("reform__pk")[0]
)

User = get_user_model()
office = User.objects.create_user(
    "smoke_office", "smoke_office@example.org", os.environ["SMOKE_OFFICE_PASSWORD"], is_staff=True
)
office.groups.add(Group.objects.get(name=OFFICE_GROUP))
reporter = User.objects.create_user(
    "smoke_reporter", "smoke_reporter@example.org", os.environ["SMOKE_REPORTER_PASSWORD"], is_staff=True
)
membership_create(user=reporter, unit=lead.unit, role=MembershipRole.REPORTER)

print(
    json.dumps(
        {"reform": lead.reform.pk, "unit": lead.unit.name, "token": Token.objects.create(user=reporter).key},
        ensure_ascii=False,
    )
)
