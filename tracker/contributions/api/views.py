"""Thin viewsets: scope from Contribution.objects.restrict(), writes through the contribution services.

A contribution outside one's scope answers 404; one in scope that the role may not change (the lead unit reading a
co-unit's, the office) answers 403.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.schema import error_response
from reforms.choices import ResponsibilityRole
from reforms.models import Responsibility
from tracker.api.errors import etag, requested_version
from tracker.api.permissions import ScopedModelPermissions
from tracker.api.serializers import AttachmentUploadSerializer
from tracker.api.views import TrackerViewMixin
from tracker.models import ProgressReport
from tracker.reminders.api_fields import CalendarContextMixin
from tracker.uploads import ACCEPTED_MIME_TYPES, MAX_UPLOAD_BYTES
from units.api.views import Pagination, ordering_schema

from .. import services
from ..choices import ContributionState
from ..deadlines import contribution_due_on
from ..downloads import attachment_response
from ..filtersets import ContributionFilterSet
from ..models import Contribution, ContributionAttachment
from .serializers import (
    ContributionAttachmentSerializer,
    ContributionCreateSerializer,
    ContributionSerializer,
    ContributionUpdateSerializer,
    ReportContributionsSerializer,
)

PERMISSIONS = [IsAuthenticated, ScopedModelPermissions]
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description=_('The ETag of the contribution being changed, e.g. "3".')
)
STATE_CONFLICT = error_response(_("The contribution's state does not allow this"))
WRITE_RESPONSES = {
    200: ContributionSerializer,
    409: STATE_CONFLICT,
    412: error_response(_("The contribution changed since the version given (If-Match or version)")),
}


def visible_contributions(user):
    """The contributions `user` may see, as the API shows them: rows, foreign keys, rule, files in two queries."""
    files = ContributionAttachment.objects.select_related("uploaded_by").order_by("id")
    return (
        Contribution.objects.restrict(user, "view").for_api().prefetch_related(Prefetch("attachments", queryset=files))
    )


@ordering_schema("updated_at", "submitted_at", "created_at", "id")
@extend_schema_view(
    create=extend_schema(request=ContributionCreateSerializer, responses={201: ContributionSerializer}),
    update=extend_schema(
        request=ContributionUpdateSerializer,
        responses={**WRITE_RESPONSES, 428: error_response(_("No version given"))},
        parameters=[IF_MATCH],
    ),
    partial_update=extend_schema(
        request=ContributionUpdateSerializer,
        responses={**WRITE_RESPONSES, 428: error_response(_("No version given"))},
        parameters=[IF_MATCH],
    ),
)
class ContributionViewSet(
    CalendarContextMixin,
    TrackerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """Co-units' contributions to the lead unit's report: the co-unit files its own, the lead unit reads the
    submitted ones on its reforms, the office reads all."""

    permission_classes = PERMISSIONS
    serializer_class = ContributionSerializer
    filterset_class = ContributionFilterSet
    pagination_class = Pagination
    ordering_fields = ["updated_at", "submitted_at", "created_at", "id"]
    queryset = Contribution.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contribution.objects.none()
        rows = visible_contributions(self.request.user)
        return rows.order_by("-updated_at", "-id") if self.action == "list" else rows

    def _respond(self, contribution: Contribution, status_code: int = status.HTTP_200_OK) -> Response:
        contribution = visible_contributions(self.request.user).get(pk=contribution.pk)
        headers = {"ETag": etag(contribution.version)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(f"{contribution.pk}/")
        data = ContributionSerializer(contribution, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers=headers)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = ContributionCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contribution = services.contribution_create(
            user=request.user,
            reform=data["reform"],
            period=data["period"],
            unit=data.get("unit"),
            data=serializer.service_data(),
        )
        return self._respond(contribution, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        contribution = self.get_object()
        version = requested_version(request, required=True)
        serializer = ContributionUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        contribution = services.contribution_update(
            contribution=contribution, user=request.user, version=version, data=serializer.service_data()
        )
        return self._respond(contribution)

    @extend_schema(request=None, responses=WRITE_RESPONSES, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        contribution = self.get_object()
        version = requested_version(request, required=False)
        return self._respond(
            services.contribution_submit(contribution=contribution, user=request.user, version=version)
        )

    @extend_schema(request=None, responses=WRITE_RESPONSES, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        contribution = self.get_object()
        version = requested_version(request, required=False)
        return self._respond(
            services.contribution_withdraw(contribution=contribution, user=request.user, version=version)
        )


class ReportContributionsViewSet(CalendarContextMixin, GenericViewSet):
    """What the lead unit consolidates into one report, at reports/{id}/contributions/: the contributions on the
    report's reform and period the user may see (the lead: submitted ones; the office: all), and the co-units that
    have not submitted yet. A report outside the user's scope answers 404.

    A detail action (one object, not a page): the schema then says an object where a list route would say an array.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = ReportContributionsSerializer
    pagination_class = None
    filter_backends = []
    queryset = ProgressReport.objects.none()
    lookup_value_regex = "[0-9]+"

    @extend_schema(responses=ReportContributionsSerializer)
    @action(detail=True, methods=["get"])
    def contributions(self, request, pk=None):
        reports = ProgressReport.objects.restrict(request.user).select_related("period__batch__reporting_rule")
        report = get_object_or_404(reports, pk=pk)
        contributions = list(
            visible_contributions(request.user)
            .filter(reform_id=report.reform_id, period_id=report.period_id)
            .order_by("unit__name", "id")
        )
        submitted = {c.unit_id for c in contributions if c.state == ContributionState.SUBMITTED}
        co_units = [
            r.unit
            for r in Responsibility.objects.filter(reform_id=report.reform_id, role=ResponsibilityRole.CO)
            .select_related("unit")
            .order_by("position", "id")
        ]
        context = self.get_serializer_context()
        payload = {
            "due_on": contribution_due_on(report.period, calendar=context["calendar"]),
            "contributions": contributions,
            "missing": [unit for unit in co_units if unit.pk not in submitted],
        }
        return Response(ReportContributionsSerializer(payload, context=context).data)


CONTRIBUTION_ID = OpenApiParameter("contribution_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[CONTRIBUTION_ID]),
    retrieve=extend_schema(parameters=[CONTRIBUTION_ID]),
    create=extend_schema(
        parameters=[CONTRIBUTION_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: ContributionAttachmentSerializer, 409: STATE_CONFLICT},
    ),
    destroy=extend_schema(parameters=[CONTRIBUTION_ID], responses={204: None, 409: STATE_CONFLICT}),
    download=extend_schema(
        parameters=[CONTRIBUTION_ID], responses={(200, mime): OpenApiTypes.BINARY for mime in ACCEPTED_MIME_TYPES}
    ),
)
class ContributionAttachmentViewSet(
    TrackerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet,
):
    """Evidence of one contribution, at contributions/{contribution_id}/attachments/."""

    permission_classes = PERMISSIONS
    serializer_class = ContributionAttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination
    queryset = ContributionAttachment.objects.none()
    write_throttle_scope = "tracker-uploads"

    def get_contribution(self) -> Contribution:
        if not hasattr(self, "_contribution"):
            rows = Contribution.objects.restrict(self.request.user, "view")
            self._contribution = get_object_or_404(rows, pk=self.kwargs["contribution_id"])
        return self._contribution

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ContributionAttachment.objects.none()
        return (
            ContributionAttachment.objects.filter(contribution=self.get_contribution())
            .select_related("uploaded_by")
            .order_by("id")
        )

    def create(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_UPLOAD_BYTES + 64 * 1024:
            limit = MAX_UPLOAD_BYTES // (1024 * 1024)
            raise ValidationError({"file": [_("A file may be at most %(limit)d MB.") % {"limit": limit}]})
        contribution = self.get_contribution()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.contribution_attachment_add(
            contribution=contribution, user=request.user, file=serializer.validated_data["file"]
        )
        attachment = self.get_queryset().get(pk=attachment.pk)
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ContributionAttachment) -> None:
        instance.contribution = self.get_contribution()
        services.contribution_attachment_delete(attachment=instance, user=self.request.user)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @action(detail=True, methods=["get"])
    def download(self, request, contribution_id=None, pk=None):
        attachment = self.get_object()
        return attachment_response(attachment)
