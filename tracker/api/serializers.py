"""Shapes of the tracker API. Input serializers check shape only; the rules live in the models' clean() and the
services. Output serializers read what the viewsets' querysets already loaded: no query per row."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.choices import TargetStatus
from reforms.models import Reform
from units.models import City, Unit

from ..models import (
    COMMENT_MAX_LENGTH,
    NARRATIVE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Attachment,
    ProgressReport,
    ReportCityLine,
    ReportingPeriod,
    ReportRevision,
    ReportTransition,
)
from ..services import CityLineInput

# --- output -------------------------------------------------------------------------------------------------------


class BriefUserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)


class BriefReformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reform
        fields = ["id", "code", "title"]


class BriefUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class BriefCitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["id", "code", "name"]


class ReportingPeriodSerializer(serializers.ModelSerializer):
    batch_code = serializers.CharField(source="batch.code", read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = ["id", "batch", "batch_code", "code", "label", "starts_on", "ends_on", "due_on"]


class BriefPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "code", "label", "due_on"]


class CityLineSerializer(serializers.ModelSerializer):
    city = BriefCitySerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ReportCityLine
        fields = ["id", "city", "status", "status_display", "note"]


class TransitionSerializer(serializers.ModelSerializer):
    actor = BriefUserSerializer(read_only=True)
    # Plain strings: as enums they would name ReportState's choice set twice more in the schema. The values are
    # ReportState's ("" for the creation's from_state).
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = ReportTransition
        fields = ["from_state", "to_state", "actor", "at", "revision", "comment"]


class RevisionSummarySerializer(serializers.ModelSerializer):
    created_by = BriefUserSerializer(read_only=True)

    class Meta:
        model = ReportRevision
        fields = ["number", "created_by", "created_at"]


class RevisionSerializer(RevisionSummarySerializer):
    class Meta(RevisionSummarySerializer.Meta):
        fields = [*RevisionSummarySerializer.Meta.fields, "data"]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = BriefUserSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download_url"]

    def get_download_url(self, attachment: Attachment) -> str:
        path = reverse(
            "tracker-api:report-attachment-download", kwargs={"report_id": attachment.report_id, "pk": attachment.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportSerializer(serializers.ModelSerializer):
    reform = BriefReformSerializer(read_only=True)
    unit = BriefUnitSerializer(read_only=True)
    period = BriefPeriodSerializer(read_only=True)
    author = BriefUserSerializer(read_only=True)
    reviewer = BriefUserSerializer(read_only=True, allow_null=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    city_lines = CityLineSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "reform",
            "unit",
            "period",
            "author",
            "state",
            "state_display",
            "status",
            "status_display",
            "percent",
            "work_done",
            "problems",
            "next_steps",
            "city_lines",
            "version",
            "revision",
            "submitted_at",
            "reviewed_at",
            "reviewer",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReportDetailSerializer(ReportSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)
    revisions = RevisionSummarySerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "transitions", "revisions", "attachments"]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------------------------------


class CityLineInputSerializer(serializers.Serializer):
    city = serializers.PrimaryKeyRelatedField(queryset=City.objects.all(), label=_("city"))
    status = serializers.ChoiceField(choices=TargetStatus.choices, label=_("status"))
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, required=False, default="", label=_("note")
    )

    def to_city_line(self, data: dict) -> CityLineInput:
        return CityLineInput(city=data["city"], status=data["status"], note=data.get("note", ""))


def _narrative(label):
    return serializers.CharField(max_length=NARRATIVE_MAX_LENGTH, allow_blank=True, label=label)


class ReportUpdateSerializer(serializers.Serializer):
    """What a unit may change in its report. PUT needs every field; PATCH any of them."""

    status = serializers.ChoiceField(choices=TargetStatus.choices, label=_("overall status"))
    percent = serializers.IntegerField(min_value=0, max_value=100, label=_("percent complete"))
    work_done = _narrative(_("work done"))
    problems = _narrative(_("problems"))
    next_steps = _narrative(_("next steps"))
    city_lines = CityLineInputSerializer(many=True, required=False, max_length=100, label=_("city lines"))
    # Not written: the version the client is changing, for clients that cannot send If-Match.
    version = serializers.IntegerField(min_value=1, required=False, label=_("version"))

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        data.pop("version", None)
        lines = data.pop("city_lines", None)
        for name in ("reform", "period", "unit"):
            data.pop(name, None)
        line_field = self.fields["city_lines"].child
        return {"data": data, "city_lines": [line_field.to_city_line(line) for line in lines] if lines else None}


@extend_schema_field(OpenApiTypes.INT)
class ScopedReformField(serializers.PrimaryKeyRelatedField):
    """A reform the requesting user works on; any other id reads as unknown, like a 404."""

    def get_queryset(self):
        return Reform.objects.for_user(self.context["request"].user)


class ReportCreateSerializer(ReportUpdateSerializer):
    reform = ScopedReformField(label=_("reform"))
    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all(), label=_("reporting period"))
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, label=_("unit")
    )

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("version")
        for name in ("status", "percent", "work_done", "problems", "next_steps"):
            fields[name].required = False
        return fields


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH, allow_blank=True, required=False, default="", label=_("comment")
    )


class ReturnSerializer(serializers.Serializer):
    """A report goes back to its unit with the reason: the comment is required."""

    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, label=_("comment"))


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label=_("file"), allow_empty_file=True)
