"""Shapes of the tracker API. Input serializers check shape only; the rules live in the models' clean() and the
services. Output serializers read what the viewsets' querysets already loaded: no query per row."""

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.api.serializers import ReformBriefSerializer, TargetStatusCountsSerializer
from reforms.choices import TargetStatus
from reforms.models import Reform
from units.api.fields import ChoiceLabelField, LabelMap
from units.api.serializers import CityBriefSerializer, UnitBriefSerializer
from units.models import City, Unit

from ..choices import ReportState
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
from .report_rows import status_counts

# --- output -------------------------------------------------------------------------------------------------------


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    # A method field, not source="get_full_name": DRF inspects a method source's signature for every value.
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user) -> str:
        return user.get_full_name()


class ReportingPeriodSerializer(serializers.ModelSerializer):
    batch_code = serializers.CharField(source="batch.code", read_only=True)

    class Meta:
        model = ReportingPeriod
        fields = ["id", "batch", "batch_code", "code", "label", "starts_on", "ends_on", "due_on"]


class ReportingPeriodBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportingPeriod
        fields = ["id", "code", "label", "due_on"]


class CityLineSerializer(serializers.ModelSerializer):
    city = CityBriefSerializer(read_only=True)
    status_display = ChoiceLabelField(source="status", choices=TargetStatus.choices)

    class Meta:
        model = ReportCityLine
        fields = ["id", "city", "status", "status_display", "note"]


@extend_schema_field(CityLineSerializer(many=True))
class CityLinesField(serializers.Field):
    """A report's city lines as CityLineSerializer shows them, built from the prefetched lines.

    A report has a line per target city: model instances through nested ModelSerializers took most of a report's
    time (issue 11). The reports list builds the same dicts from plain rows (tracker.api.report_rows).

    `opt_in=True` (the list): the lines only when the serializer's context says `city_lines` (`?city_lines=1`),
    else the field is left out of the row. Such a field is declared neither read-only nor required, which is how
    drf-spectacular documents a response property as optional (read-only fields are listed as required).
    """

    def __init__(self, *, opt_in: bool = False, **kwargs):
        if opt_in:
            kwargs.update(source="*", read_only=False, required=False)
        else:
            kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)
        self.opt_in = opt_in
        self.labels = LabelMap(TargetStatus.choices)

    def get_attribute(self, report):
        if self.opt_in and not self.context.get("city_lines"):
            raise serializers.SkipField
        return super().get_attribute(report)

    def to_representation(self, report):
        labels = self.labels.current()
        return [
            {
                "id": line.pk,
                "city": {"id": line.city_id, "code": line.city.code, "name": line.city.name},
                "status": line.status,
                "status_display": labels.get(line.status, line.status),
                "note": line.note,
            }
            for line in report.city_lines.all()
        ]


class TransitionSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True)
    # Plain strings: as enums they would name ReportState's choice set twice more in the schema. The values are
    # ReportState's ("" for the creation's from_state).
    from_state = serializers.CharField(read_only=True)
    to_state = serializers.CharField(read_only=True)

    class Meta:
        model = ReportTransition
        fields = ["from_state", "to_state", "actor", "at", "revision", "comment"]


class RevisionSummarySerializer(serializers.ModelSerializer):
    created_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = ReportRevision
        fields = ["number", "created_by", "created_at"]


class RevisionSerializer(RevisionSummarySerializer):
    class Meta(RevisionSummarySerializer.Meta):
        fields = [*RevisionSummarySerializer.Meta.fields, "data"]


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserBriefSerializer(read_only=True)
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


def brief(serializer_class, to_dict, **kwargs) -> serializers.Field:
    """A related object as `serializer_class` shows it (and documents it), built by `to_dict`: the reports list
    nests five of them per row, and a nested serializer per object was most of what the list's rows cost."""

    @extend_schema_field(serializer_class)
    class BriefField(serializers.Field):
        def to_representation(self, obj):
            return to_dict(obj)

    return BriefField(read_only=True, **kwargs)


def _user(user) -> dict:
    return {"id": user.pk, "username": user.username, "full_name": user.get_full_name()}


class ReportSerializer(serializers.ModelSerializer):
    reform = brief(ReformBriefSerializer, lambda r: {"id": r.pk, "code": r.code, "title": r.title})
    unit = brief(UnitBriefSerializer, lambda u: {"id": u.pk, "name": u.name})
    period = brief(
        ReportingPeriodBriefSerializer,
        lambda p: {"id": p.pk, "code": p.code, "label": p.label, "due_on": p.due_on.isoformat()},
    )
    author = brief(UserBriefSerializer, _user)
    reviewer = brief(UserBriefSerializer, _user, allow_null=True)
    state_display = ChoiceLabelField(source="state", choices=ReportState.choices)
    status_display = ChoiceLabelField(source="status", choices=TargetStatus.choices)
    city_line_count = serializers.SerializerMethodField()
    city_status_counts = serializers.SerializerMethodField()
    # Only with ?city_lines=1 in the list (300 cities a report made a page 15,000 lines, issue 11); always in the
    # detail (ReportDetailSerializer).
    city_lines = CityLinesField(
        opt_in=True, help_text=_("The report's city lines: in the list only with city_lines=1.")
    )

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
            "city_line_count",
            "city_status_counts",
            "version",
            "revision",
            "submitted_at",
            "reviewed_at",
            "reviewer",
            "review_comment",
            "created_at",
            "updated_at",
            "city_lines",  # last: present or not, the other keys keep their places
        ]
        read_only_fields = fields

    # From the lines loaded with the report (the detail's prefetch, a write's kept lines); the list's fast rows
    # count them in SQL (tracker.api.report_rows).
    def get_city_line_count(self, report) -> int:
        return len(report.city_lines.all())

    @extend_schema_field(TargetStatusCountsSerializer)
    def get_city_status_counts(self, report) -> dict[str, int]:
        return status_counts(Counter(line.status for line in report.city_lines.all()))


class ReportDetailSerializer(ReportSerializer):
    city_lines = CityLinesField()
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
        return Reform.objects.restrict(self.context["request"].user)


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
