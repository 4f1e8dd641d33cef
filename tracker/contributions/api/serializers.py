"""Shapes of the contributions API. Input serializers check shape only (rules: Contribution.clean() and the
services); output serializers read what the viewsets loaded, and the due date from the one calendar in the context."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reforms.api.serializers import ReformBriefSerializer
from tracker.api.serializers import (
    ReportingPeriodBriefSerializer,
    ScopedReformField,
    UserBriefSerializer,
    _narrative,
    _user,
    brief,
)
from tracker.models import ReportingPeriod
from tracker.reminders.api_fields import FeedingDueFields
from units.api.fields import ChoiceLabelField
from units.api.serializers import UnitBriefSerializer
from units.models import Unit

from ..choices import ContributionState
from ..models import Contribution, ContributionAttachment


class ContributionAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = brief(UserBriefSerializer, _user)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ContributionAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download_url"]

    def get_download_url(self, attachment: ContributionAttachment) -> str:
        path = reverse(
            "contributions-api:contribution-attachment-download",
            kwargs={"contribution_id": attachment.contribution_id, "pk": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ContributionSerializer(FeedingDueFields, serializers.ModelSerializer):
    reform = brief(ReformBriefSerializer, lambda r: {"id": r.pk, "code": r.code, "title": r.title})
    unit = brief(UnitBriefSerializer, lambda u: {"id": u.pk, "name": u.name})
    period = brief(
        ReportingPeriodBriefSerializer,
        lambda p: {"id": p.pk, "code": p.code, "label": p.label, "due_on": p.due_on.isoformat()},
    )
    author = brief(UserBriefSerializer, _user)
    state_display = ChoiceLabelField(source="state", choices=ContributionState.choices)
    attachments = ContributionAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Contribution
        fields = [
            "id",
            "reform",
            "unit",
            "period",
            "author",
            "state",
            "state_display",
            "work_done",
            "problems",
            "due_on",
            "late",
            "version",
            "submitted_at",
            "created_at",
            "updated_at",
            "attachments",
        ]
        read_only_fields = fields


class ContributionUpdateSerializer(serializers.Serializer):
    """What a co-unit may change in its draft. PUT needs every field; PATCH any of them."""

    work_done = _narrative(_("work done"))
    problems = _narrative(_("problems"))
    # Not written: the version the client is changing, for clients that cannot send If-Match.
    version = serializers.IntegerField(min_value=1, required=False, label=_("version"))

    def service_data(self) -> dict:
        return {name: value for name, value in self.validated_data.items() if name in ("work_done", "problems")}


class ContributionCreateSerializer(ContributionUpdateSerializer):
    reform = ScopedReformField(label=_("reform"))
    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all(), label=_("reporting period"))
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, label=_("unit")
    )

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("version")
        for name in ("work_done", "problems"):
            fields[name].required = False
        return fields


class ReportContributionsSerializer(serializers.Serializer):
    """What the lead unit consolidates: the contributions it may see, and the co-units that have not submitted."""

    due_on = serializers.DateField(help_text=_("The day the co-units' contributions are due."))
    contributions = ContributionSerializer(many=True)
    missing = UnitBriefSerializer(many=True, help_text=_("Co-units without a submitted contribution."))
