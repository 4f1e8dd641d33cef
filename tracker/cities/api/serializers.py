"""Shapes of the cities API. Input serializers check shape only (rules: models' clean() and the services);
output serializers read what the viewsets' querysets loaded: no query per row."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.api.serializers import ReformBriefSerializer
from reforms.choices import Scope, TargetStatus
from reforms.models import Reform, RolloutTarget
from tracker.api.serializers import (
    ReportingPeriodBriefSerializer,
    UserBriefSerializer,
)
from tracker.choices import ReportState
from tracker.models import NARRATIVE_MAX_LENGTH, ReportingPeriod
from tracker.reminders.api_fields import FeedingDueFields
from units.api.fields import ChoiceLabelField
from units.api.serializers import CityBriefSerializer

from ..choices import CITY_STATUS_CHOICES, SubmissionState
from ..models import CityEvidence, CitySubmission, CitySubmissionRevision, CitySubmissionTransition


class RolloutTargetBriefSerializer(serializers.ModelSerializer):
    reform = ReformBriefSerializer(read_only=True)
    city = CityBriefSerializer(read_only=True)

    class Meta:
        model = RolloutTarget
        fields = ["id", "reform", "city"]


class RolloutTargetSerializer(RolloutTargetBriefSerializer):
    status_display = ChoiceLabelField(source="status", choices=TargetStatus.choices)

    class Meta(RolloutTargetBriefSerializer.Meta):
        fields = [*RolloutTargetBriefSerializer.Meta.fields, "status", "status_display", "status_changed_on"]
        read_only_fields = fields


class LeadLineSerializer(serializers.Serializer):
    """The lead unit's report line for the submission's city and period, if the lead has a report yet."""

    report_id = serializers.IntegerField(read_only=True)
    report_state = serializers.ChoiceField(choices=ReportState.choices, read_only=True)
    status = serializers.ChoiceField(choices=TargetStatus.choices, read_only=True)


@extend_schema_field(LeadLineSerializer(allow_null=True))
class LeadLineField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, submission):
        if getattr(submission, "lead_report_id", None) is None:
            return None
        return {
            "report_id": submission.lead_report_id,
            "report_state": submission.lead_report_state,
            "status": submission.lead_line_status,
        }


class CitySubmissionSerializer(FeedingDueFields, serializers.ModelSerializer):
    target = RolloutTargetBriefSerializer(read_only=True)
    period = ReportingPeriodBriefSerializer(read_only=True)
    author = UserBriefSerializer(read_only=True)
    reviewer = UserBriefSerializer(read_only=True, allow_null=True)
    state_display = ChoiceLabelField(source="state", choices=SubmissionState.choices)
    status_display = ChoiceLabelField(source="status", choices=TargetStatus.choices)
    lead_line = LeadLineField(help_text=_("The lead unit's report line for this city and period."))
    differs_from_lead = serializers.BooleanField(
        read_only=True, help_text=_("Confirmed, and the lead unit's line says another status.")
    )

    class Meta:
        model = CitySubmission
        fields = [
            "id",
            "target",
            "period",
            "author",
            "state",
            "state_display",
            "status",
            "status_display",
            "work_done",
            "problems",
            "due_on",
            "late",
            "version",
            "revision",
            "submitted_at",
            "reviewed_at",
            "reviewer",
            "review_comment",
            "lead_line",
            "differs_from_lead",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CitySubmissionTransitionSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True)
    # Plain strings (SubmissionState values, "" for the creation's from_state): as enums they would name the choice
    # set twice more in the schema.
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = CitySubmissionTransition
        fields = ["from_state", "to_state", "actor", "at", "revision", "comment"]


class CitySubmissionRevisionSerializer(serializers.ModelSerializer):
    created_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = CitySubmissionRevision
        fields = ["number", "created_by", "created_at", "data"]


class CityEvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = UserBriefSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CityEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download_url"]

    def get_download_url(self, evidence: CityEvidence) -> str:
        if evidence.submission_id is not None:
            kwargs = {"submission_id": evidence.submission_id, "pk": evidence.pk}
            path = reverse("cities-api:submission-evidence-download", kwargs=kwargs)
        else:
            kwargs = {"application_id": evidence.application_id, "pk": evidence.pk}
            path = reverse("cities-api:application-evidence-download", kwargs=kwargs)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CitySubmissionDetailSerializer(CitySubmissionSerializer):
    transitions = CitySubmissionTransitionSerializer(many=True, read_only=True)
    evidence = CityEvidenceSerializer(many=True, read_only=True)

    class Meta(CitySubmissionSerializer.Meta):
        fields = [*CitySubmissionSerializer.Meta.fields, "transitions", "evidence"]
        read_only_fields = fields


def _narrative(label):
    return serializers.CharField(max_length=NARRATIVE_MAX_LENGTH, allow_blank=True, label=label)


class CitySubmissionUpdateSerializer(serializers.Serializer):
    """What a city may change in its submission. PUT needs every field; PATCH any of them."""

    status = serializers.ChoiceField(choices=CITY_STATUS_CHOICES, label=_("status"))
    work_done = _narrative(_("work done"))
    problems = _narrative(_("problems"))
    # Not written: the version the client is changing, for clients that cannot send If-Match.
    version = serializers.IntegerField(min_value=1, required=False, label=_("version"))

    def service_data(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k in ("status", "work_done", "problems")}


@extend_schema_field(OpenApiTypes.INT)
class ScopedTargetField(serializers.PrimaryKeyRelatedField):
    """A rollout target the requesting user sees; any other id reads as unknown, like a 404. (Who may file on it is
    the service's call: the office sees every target and gets 403.)"""

    def get_queryset(self):
        return RolloutTarget.objects.restrict(self.context["request"].user)


class CitySubmissionCreateSerializer(CitySubmissionUpdateSerializer):
    target = ScopedTargetField(label=_("rollout target"))
    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all(), label=_("reporting period"))

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("version")
        for name in ("status", "work_done", "problems"):
            fields[name].required = False
        return fields


class CityItemSerializer(serializers.ModelSerializer):
    """A reform as a city sees it: whether its city is a target, and whether it may apply for it."""

    scope_display = ChoiceLabelField(source="scope", choices=Scope.choices)
    is_target = serializers.BooleanField(read_only=True, help_text=_("One of your cities is a target of this item."))
    open_to_applications = serializers.SerializerMethodField(
        help_text=_("An item for qualified cities: a city not yet a target may apply.")
    )

    class Meta:
        model = Reform
        fields = ["id", "code", "title", "scope", "scope_display", "deadline", "is_target", "open_to_applications"]
        read_only_fields = fields

    def get_open_to_applications(self, reform: Reform) -> bool:
        return reform.scope == Scope.QUALIFIED_CITIES
