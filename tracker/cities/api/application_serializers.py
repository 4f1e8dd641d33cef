"""Shapes of the applications API (有条件的市 items) and of the office's direct assignment."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.api.serializers import ReformBriefSerializer
from reforms.models import Reform
from tracker.api.serializers import UserBriefSerializer
from tracker.models import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH
from units.api.fields import ChoiceLabelField
from units.api.serializers import CityBriefSerializer
from units.models import City

from ..choices import ApplicationState, ApplicationStepKind, LeadOpinion
from ..models import CityApplication, CityApplicationStep
from .serializers import CityEvidenceSerializer


class CityApplicationStepSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True)
    kind_display = ChoiceLabelField(source="kind", choices=ApplicationStepKind.choices)

    class Meta:
        model = CityApplicationStep
        fields = ["kind", "kind_display", "actor", "at", "comment"]


class CityApplicationSerializer(serializers.ModelSerializer):
    reform = ReformBriefSerializer(read_only=True)
    city = CityBriefSerializer(read_only=True)
    applicant = UserBriefSerializer(read_only=True)
    state_display = ChoiceLabelField(source="state", choices=ApplicationState.choices)
    target_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = CityApplication
        fields = [
            "id",
            "reform",
            "city",
            "applicant",
            "conditions_met",
            "reason",
            "state",
            "state_display",
            "lead_opinion",
            "lead_comment",
            "decision_reason",
            "target_id",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CityApplicationDetailSerializer(CityApplicationSerializer):
    steps = CityApplicationStepSerializer(many=True, read_only=True)
    evidence = CityEvidenceSerializer(many=True, read_only=True)

    class Meta(CityApplicationSerializer.Meta):
        fields = [*CityApplicationSerializer.Meta.fields, "steps", "evidence"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ReformIdField(serializers.PrimaryKeyRelatedField):
    """Any reform: which ones take an application is the service's call (a 有条件的市 item with a known scope)."""

    def get_queryset(self):
        return Reform.objects.all()


class CityApplicationCreateSerializer(serializers.Serializer):
    reform = ReformIdField(label=_("reform"))
    city = serializers.PrimaryKeyRelatedField(
        queryset=City.objects.all(), required=False, allow_null=True, label=_("city")
    )
    conditions_met = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH, label=_("conditions met"))
    reason = serializers.CharField(max_length=NARRATIVE_MAX_LENGTH, label=_("reason"))


class OpinionSerializer(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=LeadOpinion.choices, label=_("lead unit's opinion"))
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, allow_blank=True, required=False, default="", label=_("comment")
    )


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, allow_blank=True, required=False, default="", label=_("comment")
    )
    on = serializers.DateField(required=False, allow_null=True, label=_("from (date)"))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=COMMENT_MAX_LENGTH, label=_("reason"))


class AssignSerializer(serializers.Serializer):
    reform = ReformIdField(label=_("reform"))
    city = serializers.PrimaryKeyRelatedField(queryset=City.objects.all(), label=_("city"))
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, allow_blank=True, required=False, default="", label=_("comment")
    )
    on = serializers.DateField(required=False, allow_null=True, label=_("from (date)"))
