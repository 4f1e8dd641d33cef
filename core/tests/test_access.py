"""The rules of core.access, per role: which rows each role's restrict() yields for each model and action, the
predicates and guards, and the group permissions roles_sync() writes.

Personas (root conftest): office (sees everything), reporter and manager (members of unit_a), other_reporter (unit_b),
consumer (read-only API, approved data only); here also `both`, a consumer who is also a member of unit_a, and an
outsider (signed in, in no role).
"""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q

from core import access
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from tracker.choices import EDITABLE_STATES, ReportState
from tracker.models import ProgressReport, ReportingPeriod
from tracker.tests.factories import ProgressReportFactory, ReportingPeriodFactory, make_reform_for
from units.models import City, Membership, Unit
from units.services import roles_sync
from units.tests.factories import MembershipFactory, UserFactory, make_consumer_user

pytestmark = pytest.mark.django_db

EXPECTED_GROUP_PERMISSIONS = {
    access.OFFICE_GROUP: [
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
        "authtoken.view_tokenproxy",
        "reforms.add_batch",
        "reforms.add_reform",
        "reforms.add_responsibility",
        "reforms.add_rollouttarget",
        "reforms.change_batch",
        "reforms.change_reform",
        "reforms.change_responsibility",
        "reforms.change_rollouttarget",
        "reforms.delete_batch",
        "reforms.delete_reform",
        "reforms.delete_responsibility",
        "reforms.delete_rollouttarget",
        "reforms.view_batch",
        "reforms.view_reform",
        "reforms.view_responsibility",
        "reforms.view_rollouttarget",
        "reminders.add_calendarday",
        "reminders.add_calendaryear",
        "reminders.add_remindersettings",
        "reminders.add_reportingrule",
        "reminders.add_unitchannel",
        "reminders.change_calendarday",
        "reminders.change_calendaryear",
        "reminders.change_obligation",
        "reminders.change_reminder",
        "reminders.change_remindersettings",
        "reminders.change_reportingrule",
        "reminders.change_unitchannel",
        "reminders.delete_calendarday",
        "reminders.delete_calendaryear",
        "reminders.delete_remindersettings",
        "reminders.delete_reportingrule",
        "reminders.delete_unitchannel",
        "reminders.view_calendarday",
        "reminders.view_calendaryear",
        "reminders.view_obligation",
        "reminders.view_reminder",
        "reminders.view_remindersettings",
        "reminders.view_reportingrule",
        "reminders.view_unitchannel",
        "stats.add_statusoverride",
        "stats.change_statusoverride",
        "stats.delete_statusoverride",
        "stats.view_coloursnapshot",
        "stats.view_rollupstate",
        "stats.view_statusoverride",
        "tracker.add_attachment",
        "tracker.add_progressreport",
        "tracker.add_reportcityline",
        "tracker.add_reportingperiod",
        "tracker.add_reportrevision",
        "tracker.add_reporttransition",
        "tracker.change_attachment",
        "tracker.change_progressreport",
        "tracker.change_reportcityline",
        "tracker.change_reportingperiod",
        "tracker.change_reportrevision",
        "tracker.change_reporttransition",
        "tracker.delete_attachment",
        "tracker.delete_progressreport",
        "tracker.delete_reportcityline",
        "tracker.delete_reportingperiod",
        "tracker.delete_reportrevision",
        "tracker.delete_reporttransition",
        "tracker.view_attachment",
        "tracker.view_progressreport",
        "tracker.view_reportcityline",
        "tracker.view_reportingperiod",
        "tracker.view_reportrevision",
        "tracker.view_reporttransition",
        "units.add_city",
        "units.add_membership",
        "units.add_staffprofile",
        "units.add_unit",
        "units.change_city",
        "units.change_membership",
        "units.change_staffprofile",
        "units.change_unit",
        "units.delete_city",
        "units.delete_membership",
        "units.delete_staffprofile",
        "units.delete_unit",
        "units.view_city",
        "units.view_membership",
        "units.view_staffprofile",
        "units.view_unit",
    ],
    access.UNIT_STAFF_GROUP: [
        "reforms.view_batch",
        "reforms.view_reform",
        "reforms.view_responsibility",
        "reforms.view_rollouttarget",
        "tracker.add_attachment",
        "tracker.add_progressreport",
        "tracker.add_reportcityline",
        "tracker.change_attachment",
        "tracker.change_progressreport",
        "tracker.change_reportcityline",
        "tracker.delete_attachment",
        "tracker.view_attachment",
        "tracker.view_progressreport",
        "tracker.view_reportcityline",
        "tracker.view_reportingperiod",
        "tracker.view_reportrevision",
        "tracker.view_reporttransition",
        "units.view_city",
        "units.view_unit",
    ],
    access.CONSUMER_GROUP: [],
}
# Issue 12 (tracker.cities, tracker.contributions register these from their ready()): cities and co-units take part.
_CITY_MODELS = ("citysubmission", "citysubmissionrevision", "citysubmissiontransition", "cityevidence")
ADDED_BY_ISSUE_12 = {
    access.OFFICE_GROUP: [
        *(f"cities.view_{m}" for m in (*_CITY_MODELS, "cityapplication", "cityapplicationstep")),
        "cities.change_citysubmission",
        "cities.change_cityapplication",
        *(f"units.{a}_citymembership" for a in ("add", "change", "delete", "view")),
        "contributions.view_contribution",
        "contributions.view_contributionattachment",
    ],
    access.UNIT_STAFF_GROUP: [
        *(f"cities.view_{m}" for m in (*_CITY_MODELS, "cityapplication", "cityapplicationstep")),
        "cities.change_citysubmission",
        "cities.change_cityapplication",
        *(f"contributions.{a}_contribution" for a in ("add", "change", "view")),
        *(f"contributions.{a}_contributionattachment" for a in ("add", "change", "view")),
        "contributions.delete_contributionattachment",
    ],
    access.CITY_STAFF_GROUP: [
        *(f"cities.{a}_{m}" for m in ("citysubmission", "cityevidence", "cityapplication") for a in ("add", "change")),
        *(f"cities.view_{m}" for m in ("citysubmission", "cityevidence", "cityapplication")),
        "cities.delete_cityevidence",
        *(f"cities.view_{m}" for m in ("citysubmissionrevision", "citysubmissiontransition", "cityapplicationstep")),
        "units.view_city",
        "reforms.view_reform",
        "reforms.view_rollouttarget",
        "reforms.view_batch",
        "tracker.view_reportingperiod",
    ],
}


@pytest.fixture
def world(office, reporter, manager, other_reporter, consumer, unit_a, unit_b):
    """unit_a's reform (a draft and an approved report on it), unit_b's reform in another batch (a draft)."""
    both = make_consumer_user(username="both")
    MembershipFactory(user=both, unit=unit_a)
    reform_a, reform_b = make_reform_for(unit_a), make_reform_for(unit_b)
    period_a = ReportingPeriodFactory(batch=reform_a.batch)
    period_b = ReportingPeriodFactory(batch=reform_b.batch)
    draft_a = ProgressReportFactory(reform=reform_a, unit=unit_a, period=period_a, author=reporter)
    approved_a = ProgressReportFactory(
        reform=reform_a, unit=unit_a, period=ReportingPeriodFactory(batch=reform_a.batch), author=reporter
    )
    draft_b = ProgressReportFactory(reform=reform_b, unit=unit_b, period=period_b, author=other_reporter)
    approved_b = ProgressReportFactory(
        reform=reform_b, unit=unit_b, period=ReportingPeriodFactory(batch=reform_b.batch), author=other_reporter
    )
    # Straight to approved, as tracker/tests/test_models.py does: the life cycle is the services' business.
    ProgressReport.objects.filter(pk__in=[approved_a.pk, approved_b.pk]).update(
        state=ReportState.APPROVED,
        revision=1,
        submitted_at=F("created_at"),
        reviewer=office,
        reviewed_at=F("created_at"),
    )
    approved_a.refresh_from_db()
    approved_b.refresh_from_db()
    return {
        "users": {
            "office": office,
            "reporter": reporter,
            "manager": manager,
            "other": other_reporter,
            "consumer": consumer,
            "both": both,
            "outsider": UserFactory(),
            "anonymous": AnonymousUser(),
        },
        "unit_a": unit_a,
        "unit_b": unit_b,
        "reform_a": reform_a,
        "reform_b": reform_b,
        "period_a": period_a,
        "period_b": period_b,
        "reports": {"draft_a": draft_a, "approved_a": approved_a, "draft_b": draft_b, "approved_b": approved_b},
    }


def rows(model, user, action="view"):
    return set(model.objects.restrict(user, action))


def test_units_the_office_sees_all_unit_staff_their_own_a_consumer_none(world):
    a, b, users = world["unit_a"], world["unit_b"], world["users"]
    expected = {
        "office": {a, b},
        "reporter": {a},
        "manager": {a},
        "other": {b},
        "consumer": set(),
        "both": {a},
        "outsider": set(),
        "anonymous": set(),
    }
    assert {name: rows(Unit, user) for name, user in users.items()} == expected
    # Memberships follow their unit.
    assert {m.unit for m in Membership.objects.restrict(users["reporter"])} == {a}
    assert set(Membership.objects.restrict(users["office"])) == set(Membership.objects.all())
    # The units one files reports for: one's own, and none for the office.
    assert rows(Unit, users["both"], "file") == {a}
    assert rows(Unit, users["office"], "file") == set()


def test_reforms_the_office_and_consumers_see_all_unit_staff_those_of_their_units(world):
    ra, rb, users = world["reform_a"], world["reform_b"], world["users"]
    expected = {
        "office": {ra, rb},
        "reporter": {ra},
        "manager": {ra},
        "other": {rb},
        "consumer": {ra, rb},
        "both": {ra, rb},
        "outsider": set(),
        "anonymous": set(),
    }
    assert {name: rows(Reform, user) for name, user in users.items()} == expected
    # A reform's responsibilities and targets go with it.
    assert {r.reform for r in Responsibility.objects.restrict(users["reporter"])} == {ra}
    assert {t.reform for t in RolloutTarget.objects.restrict(users["other"])} == {rb}
    assert RolloutTarget.objects.restrict(users["office"]).count() == RolloutTarget.objects.count()


def test_periods_are_those_of_the_batches_of_the_reforms_one_sees(world):
    users = world["users"]
    a, b = world["period_a"].batch, world["period_b"].batch

    def batches(user):
        return {period.batch for period in ReportingPeriod.objects.restrict(user)}

    assert batches(users["office"]) == batches(users["consumer"]) == {a, b}
    assert batches(users["reporter"]) == {a}
    assert batches(users["other"]) == {b}
    assert batches(users["outsider"]) == set()


def test_reports_unit_staff_see_their_units_in_every_state_consumers_approved_ones(world):
    r, users = world["reports"], world["users"]
    expected = {
        "office": set(r.values()),
        "reporter": {r["draft_a"], r["approved_a"]},
        "manager": {r["draft_a"], r["approved_a"]},
        "other": {r["draft_b"], r["approved_b"]},
        "consumer": {r["approved_a"], r["approved_b"]},
        "both": {r["draft_a"], r["approved_a"], r["approved_b"]},
        "outsider": set(),
        "anonymous": set(),
    }
    assert {name: rows(ProgressReport, user) for name, user in users.items()} == expected


def test_reports_only_their_units_members_change_and_only_drafts_or_returned(world):
    r, users = world["reports"], world["users"]
    assert rows(ProgressReport, users["reporter"], "change") == {r["draft_a"]}
    assert rows(ProgressReport, users["both"], "change") == {r["draft_a"]}
    assert rows(ProgressReport, users["office"], "change") == set()
    assert rows(ProgressReport, users["consumer"], "change") == set()
    assert access.may_change_report(users["reporter"], r["draft_a"])
    assert not access.may_change_report(users["reporter"], r["approved_a"])
    assert not access.may_change_report(users["other"], r["draft_a"])
    assert not access.may_change_report(users["office"], r["draft_a"])


def test_the_published_division_of_work_is_browsed_by_every_signed_in_user(world):
    for name, user in world["users"].items():
        for model in (City, Unit, Batch, Reform, ReportingPeriod):
            expected = set(model.objects.all()) if name != "anonymous" else set()
            assert rows(model, user, "browse") == expected, (name, model)


def test_a_count_over_related_rows_uses_the_same_rule(world):
    users = world["users"]
    # As the reporting period admin counts a period's reports.
    mine = access.scope(users["reporter"], "tracker.progressreport", prefix="reports__")
    counted = ReportingPeriod.objects.filter(mine).values_list("reports", flat=True)
    assert set(counted) == {world["reports"]["draft_a"].pk, world["reports"]["approved_a"].pk}
    assert access.scope(users["office"], "tracker.progressreport", prefix="reports__") == Q()


def test_a_rule_nobody_wrote_is_refused():
    with pytest.raises(LookupError):
        access.restrict(Unit.objects.all(), UserFactory.build(), "delete")


def test_roles_and_figures(world):
    users = world["users"]
    assert access.is_office(users["office"]) and not access.is_office(users["consumer"])
    assert access.is_consumer(users["both"]) and not access.is_consumer(users["reporter"])
    assert access.files_reports(users["reporter"]) and not access.files_reports(users["office"])
    assert not access.files_reports(users["consumer"])
    assert access.may_review(users["office"]) and not access.may_review(users["reporter"])
    assert access.figure_unit_ids(users["office"]) is None
    assert access.figure_unit_ids(users["consumer"]) is None
    assert access.figure_unit_ids(users["reporter"]) == (world["unit_a"].pk,)
    with pytest.raises(PermissionDenied):
        access.figure_unit_ids(users["outsider"])


def test_the_service_guards(world):
    users, unit_a = world["users"], world["unit_a"]
    access.require_office(users["office"])
    with pytest.raises(PermissionDenied):
        access.require_office(users["reporter"])
    access.require_unit_member(users["manager"], unit_a.pk)
    for name in ("other", "office", "consumer"):
        with pytest.raises(PermissionDenied):
            access.require_unit_member(users[name], unit_a.pk)


def test_derived_rows_are_never_written_by_hand():
    assert not access.by_hand("tracker.reportrevision", "change")
    assert not access.by_hand("tracker.progressreport", "delete")
    assert access.by_hand("tracker.progressreport", "change")


def test_the_state_values_core_spells_out_are_trackers():
    assert access.APPROVED == ReportState.APPROVED
    assert set(access.EDITABLE_STATES) == set(EDITABLE_STATES)


def test_roles_sync_gives_each_group_exactly_the_permissions_it_always_had():
    roles_sync()  # twice in a row (post_migrate already ran it): idempotent
    for name in {*EXPECTED_GROUP_PERMISSIONS, *ADDED_BY_ISSUE_12}:
        expected = EXPECTED_GROUP_PERMISSIONS.get(name, []) + ADDED_BY_ISSUE_12.get(name, [])
        granted = Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename")
        assert sorted(f"{app}.{codename}" for app, codename in granted) == sorted(expected), name


def test_core_imports_no_domain_app():
    core = Path(access.__file__).resolve().parent.parent  # core/, with the core/access/ package
    for path in [p for p in core.rglob("*.py") if "tests" not in p.parts]:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not [n for n in names if n.split(".")[0] in {"units", "reforms", "tracker", "audit"}], path
