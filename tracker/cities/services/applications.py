"""Applications of cities for 有条件的市 items, and the office's direct assignment of a city.

A city applies (conditions met, reason, evidence); the lead unit gives its opinion; the office approves (a
RolloutTarget is created for the city, dated) or rejects with a reason. Each step is a CityApplicationStep the
applicant sees. Items whose scope is still 待核实 take no application until the office sets their scope. Every step
locks the application row and checks its state, so two reviewers cannot both decide.
"""

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access
from core.cache import answers_invalidate_on_commit
from reforms.choices import Scope, TargetStatus
from reforms.models import Reform, RolloutTarget
from tracker.models import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH
from units.models import City

from ..choices import OPEN_APPLICATION_STATES, ApplicationState, ApplicationStepKind, LeadOpinion
from ..exceptions import StateConflict
from ..models import CityApplication, CityApplicationStep, CityEvidence
from .evidence import evidence_store


def _require_office(user) -> None:
    access.require_office(user, _("Only the provincial office decides on applications and assigns cities."))


def _check_open_to(reform: Reform, city: City) -> None:
    """Whether `city` may still be added to `reform`: a 有条件的市 item that does not target it yet."""
    if reform.scope == Scope.UNVERIFIED:
        raise ValidationError(
            {"reform": _("The scope of this item is still to be verified: the office must set it first.")}
        )
    if reform.scope != Scope.QUALIFIED_CITIES:
        raise ValidationError({"reform": _("Only items for qualified cities (有条件的市) take applications.")})
    if RolloutTarget.objects.filter(reform=reform, city=city).exists():
        raise ValidationError({"city": _("%(city)s is already a target city of this item.") % {"city": city}})


def _clean_text(value: str, *, field: str, required: bool, limit: int = COMMENT_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def _step(application: CityApplication | None, *, kind: str, user, reform, city, at, comment: str = "") -> None:
    CityApplicationStep.objects.create(
        application=application, reform=reform, city=city, kind=kind, actor=user, at=at, comment=comment
    )


def _lock(application: CityApplication) -> CityApplication:
    return (
        CityApplication.objects.select_for_update(of=("self",)).select_related("reform", "city").get(pk=application.pk)
    )


def _resolve_city(user, city: City | None) -> City:
    mine = access.city_ids_of(user)
    if not mine:
        raise PermissionDenied(_("Only a city's own staff apply for an item."))
    if city is not None:
        if city.pk not in mine:
            raise ValidationError({"city": _("You are not a member of this city.")})
        return city
    if len(mine) > 1:
        raise ValidationError({"city": _("You belong to several cities: say which one applies.")})
    return City.objects.get(pk=mine[0])


@transaction.atomic
def city_application_create(
    *, user, reform: Reform, conditions_met: str, reason: str, city: City | None = None, at=None
) -> CityApplication:
    """A city's application for a 有条件的市 item it is not yet a target of; one open application per city."""
    city = _resolve_city(user, city)
    # The reform row is locked: the office changing its scope or assigning the city waits, and so does a second
    # application racing this one (the partial unique constraint backs it up).
    reform = Reform.objects.select_for_update().get(pk=reform.pk)
    _check_open_to(reform, city)
    conditions_met = _clean_text(conditions_met, field="conditions_met", required=True, limit=NARRATIVE_MAX_LENGTH)
    reason = _clean_text(reason, field="reason", required=True, limit=NARRATIVE_MAX_LENGTH)
    now = at or timezone.now()
    application = CityApplication(
        reform=reform,
        city=city,
        applicant=user,
        conditions_met=conditions_met,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError:
        if CityApplication.objects.filter(reform=reform, city=city, state__in=OPEN_APPLICATION_STATES).exists():
            constraint = next(c for c in CityApplication._meta.constraints if c.name == "cities_application_one_open")
            raise ValidationError({NON_FIELD_ERRORS: constraint.get_violation_error_message()}) from None
        raise
    _step(application, kind=ApplicationStepKind.APPLIED, user=user, reform=reform, city=city, at=now)
    answers_invalidate_on_commit()  # pending applications are a participation figure
    return application


@transaction.atomic
def city_application_evidence_add(*, application: CityApplication, user, file: UploadedFile) -> CityEvidence:
    """Add evidence to an open application of the user's city."""
    access.require_city_member(user, application.city_id, _("Only the applying city's staff add evidence."))
    application = _lock(application)
    if application.state not in OPEN_APPLICATION_STATES:
        raise StateConflict()
    return evidence_store(file=file, user=user, application=application)


def _move(application: CityApplication, *, states, **changes) -> CityApplication:
    """Write `changes` to an application still in one of `states` (under its row lock)."""
    application = _lock(application)
    if application.state not in states:
        raise StateConflict()
    now = changes.setdefault("updated_at", timezone.now())
    CityApplication.objects.filter(pk=application.pk).update(version=F("version") + 1, **changes)
    answers_invalidate_on_commit()  # pending applications are a participation figure
    for name, value in changes.items():
        setattr(application, name, value)
    application.version += 1
    application._now = now
    return application


@transaction.atomic
def city_application_opinion(*, application: CityApplication, user, opinion: str, comment: str = "") -> CityApplication:
    """The lead unit's opinion (supports or not, with a comment) on an application it has not yet answered."""
    access.require_lead_member(user, application.reform_id, _("Only the lead unit of the item gives its opinion."))
    if opinion not in LeadOpinion.values:
        raise ValidationError({"opinion": _("Choose whether the lead unit supports the application.")})
    comment = _clean_text(comment, field="comment", required=opinion == LeadOpinion.OPPOSE)
    application = _move(
        application,
        states=[ApplicationState.SUBMITTED],
        state=ApplicationState.OPINION_GIVEN,
        lead_opinion=opinion,
        lead_comment=comment,
    )
    label = LeadOpinion(opinion).label
    _step(
        application,
        kind=ApplicationStepKind.OPINION,
        user=user,
        reform=application.reform,
        city=application.city,
        at=application._now,
        comment=f"{label}：{comment}" if comment else str(label),
    )
    return application


def _new_target(reform: Reform, city: City, *, on: datetime.date) -> RolloutTarget:
    target = RolloutTarget(reform=reform, city=city, status=TargetStatus.NOT_STARTED, status_changed_on=on)
    target.full_clean(validate_constraints=False)
    target.save(force_insert=True)
    answers_invalidate_on_commit()  # a new applicable target: every figure over targets moves
    return target


@transaction.atomic
def city_application_approve(
    *, application: CityApplication, user, comment: str = "", on: datetime.date | None = None
) -> CityApplication:
    """The office approves: the city becomes a target of the item from `on` (default today)."""
    _require_office(user)
    comment = _clean_text(comment, field="comment", required=False)
    reform = Reform.objects.select_for_update().get(pk=application.reform_id)
    _check_open_to(reform, application.city)
    on = on or timezone.localdate()
    application = _move(
        application, states=OPEN_APPLICATION_STATES, state=ApplicationState.APPROVED, decision_reason=comment
    )
    application.target = _new_target(reform, application.city, on=on)
    CityApplication.objects.filter(pk=application.pk).update(target=application.target)
    _step(
        application,
        kind=ApplicationStepKind.APPROVED,
        user=user,
        reform=reform,
        city=application.city,
        at=application._now,
        comment=comment,
    )
    return application


@transaction.atomic
def city_application_reject(*, application: CityApplication, user, reason: str) -> CityApplication:
    """The office rejects, with the reason the city reads."""
    _require_office(user)
    reason = _clean_text(reason, field="reason", required=True)
    application = _move(
        application, states=OPEN_APPLICATION_STATES, state=ApplicationState.REJECTED, decision_reason=reason
    )
    _step(
        application,
        kind=ApplicationStepKind.REJECTED,
        user=user,
        reform=application.reform,
        city=application.city,
        at=application._now,
        comment=reason,
    )
    return application


@transaction.atomic
def rollout_target_assign(
    *, user, reform: Reform, city: City, comment: str = "", on: datetime.date | None = None
) -> RolloutTarget:
    """The office makes `city` a target of a 有条件的市 item directly, without an application. An open application
    of that city is approved by it (the city sees the step)."""
    _require_office(user)
    comment = _clean_text(comment, field="comment", required=False)
    reform = Reform.objects.select_for_update().get(pk=reform.pk)
    _check_open_to(reform, city)
    on = on or timezone.localdate()
    target = _new_target(reform, city, on=on)
    open_application = CityApplication.objects.filter(reform=reform, city=city, state__in=OPEN_APPLICATION_STATES)
    application = open_application.first()
    if application is not None:
        application = _move(
            application, states=OPEN_APPLICATION_STATES, state=ApplicationState.APPROVED, decision_reason=comment
        )
        CityApplication.objects.filter(pk=application.pk).update(target=target)
    _step(
        application,
        kind=ApplicationStepKind.ASSIGNED,
        user=user,
        reform=reform,
        city=city,
        at=timezone.now(),
        comment=comment,
    )
    return target
