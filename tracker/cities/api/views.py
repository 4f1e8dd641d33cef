"""Thin viewsets: scope from restrict(user, action) (core.access), writes through tracker.cities.services."""

from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse
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

from core import access
from core.schema import error_response
from reforms.models import Reform, RolloutTarget
from tracker.api.errors import etag, requested_version
from tracker.api.permissions import ScopedModelPermissions
from tracker.api.serializers import AttachmentUploadSerializer, ReturnSerializer, ReviewSerializer
from tracker.api.views import TrackerViewMixin
from tracker.reminders.api_fields import CalendarContextMixin
from tracker.uploads import ACCEPTED_MIME_TYPES, MAX_UPLOAD_BYTES
from units.api.views import Pagination, ordering_schema

from .. import services
from ..filtersets import CityItemFilterSet, CitySubmissionFilterSet, RolloutTargetFilterSet
from ..models import (
    CityEvidence,
    CitySubmission,
    CitySubmissionRevision,
    CitySubmissionTransition,
)
from ..selectors import with_lead_line
from .application_serializers import (
    AssignSerializer,
)
from .serializers import (
    CityEvidenceSerializer,
    CityItemSerializer,
    CitySubmissionCreateSerializer,
    CitySubmissionDetailSerializer,
    CitySubmissionRevisionSerializer,
    CitySubmissionSerializer,
    CitySubmissionUpdateSerializer,
    RolloutTargetSerializer,
)

PERMISSIONS = [IsAuthenticated, ScopedModelPermissions]


class StepPermissions(ScopedModelPermissions):
    """Model permissions, with the life-cycle steps (POST on an existing row) counted as changes, not additions:
    the lead unit, which never adds a submission, confirms and returns them. Who may take which step on which row
    is then the services' call (city staff may submit, not confirm)."""

    STEPS = {"submit", "confirm", "return_", "opinion", "approve", "reject"}

    def has_object_permission(self, request, view, obj):
        if getattr(view, "action", None) in self.STEPS:
            model = view.get_queryset().model._meta
            return request.user.has_perm(f"{model.app_label}.change_{model.model_name}")
        return super().has_object_permission(request, view, obj)


@ordering_schema("city__code", "reform__code")
class RolloutTargetViewSet(
    TrackerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GenericViewSet
):
    """The rollout targets one sees (a city's staff their own city's, a unit's staff those of its reforms); the
    office adds a city to a 有条件的市 item directly with POST."""

    permission_classes = PERMISSIONS
    serializer_class = RolloutTargetSerializer
    filterset_class = RolloutTargetFilterSet
    pagination_class = Pagination
    ordering_fields = ["city__code", "reform__code"]
    queryset = RolloutTarget.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()

    def get_queryset(self):
        return (
            RolloutTarget.objects.restrict(self.request.user)
            .select_related("reform", "city")
            .order_by("reform_id", "city__code")
        )

    @extend_schema(request=AssignSerializer, responses={201: RolloutTargetSerializer})
    def create(self, request, *args, **kwargs):
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.rollout_target_assign(user=request.user, **serializer.validated_data)
        target = self.get_queryset().get(pk=target.pk)
        return Response(RolloutTargetSerializer(target).data, status=status.HTTP_201_CREATED)


@ordering_schema("position", "code")
class CityItemViewSet(TrackerViewMixin, mixins.ListModelMixin, GenericViewSet):
    """The items that concern the user's cities: those targeting them, and the 有条件的市 (and 待核实) items."""

    serializer_class = CityItemSerializer
    filterset_class = CityItemFilterSet
    pagination_class = Pagination
    ordering_fields = ["position", "code"]

    def get_queryset(self):
        items = Reform.objects.restrict(self.request.user, "view")
        mine = RolloutTarget.objects.filter(reform=OuterRef("pk"), city_id__in=access.city_ids_of(self.request.user))
        return items.annotate(is_target=Exists(mine)).order_by("batch_id", "position", "id")


IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description=_('The ETag of the submission being changed, e.g. "3".')
)
STATE_CONFLICT = error_response(_("The submission's state does not allow this (e.g. editing a submitted one)"))
RESPONSES = {
    200: CitySubmissionDetailSerializer,
    409: STATE_CONFLICT,
    412: error_response(_("The submission changed since the version given (If-Match or version)")),
}
UPDATE_RESPONSES = {**RESPONSES, 428: error_response(_("No version given: send If-Match (or a version field)"))}
WRITE_ACTIONS = {"update", "partial_update", "submit", "confirm", "return_"}


@ordering_schema("submitted_at", "updated_at", "id")
@extend_schema_view(
    create=extend_schema(request=CitySubmissionCreateSerializer, responses={201: CitySubmissionDetailSerializer}),
    update=extend_schema(request=CitySubmissionUpdateSerializer, responses=UPDATE_RESPONSES, parameters=[IF_MATCH]),
    partial_update=extend_schema(
        request=CitySubmissionUpdateSerializer, responses=UPDATE_RESPONSES, parameters=[IF_MATCH]
    ),
)
class CitySubmissionViewSet(
    CalendarContextMixin,
    TrackerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """A city's progress on its targets, per period: the city files, the lead unit (or the office) confirms."""

    permission_classes = [IsAuthenticated, StepPermissions]
    filterset_class = CitySubmissionFilterSet
    pagination_class = Pagination
    ordering_fields = ["submitted_at", "updated_at", "id"]
    queryset = CitySubmission.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()

    def scoped(self):
        return CitySubmission.objects.restrict(self.request.user, "view")

    def get_queryset(self):
        if self.action in WRITE_ACTIONS:
            # The service locks and re-reads it; the answer is read after the write (_respond).
            return self.scoped()
        if self.action == "list":
            return self.rows().order_by("-updated_at", "-id")
        return self.detail_queryset()

    def rows(self):
        return with_lead_line(self.scoped()).select_related(
            "target__reform", "target__city", "period__batch__reporting_rule", "author", "reviewer"
        )

    def detail_queryset(self):
        """A submission as its detail shows it: the retrieve, and the answer to every write."""
        return self.rows().prefetch_related(
            Prefetch(
                "transitions",
                queryset=CitySubmissionTransition.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch("evidence", queryset=CityEvidence.objects.select_related("uploaded_by").order_by("id")),
        )

    def get_serializer_class(self):
        return CitySubmissionSerializer if self.action == "list" else CitySubmissionDetailSerializer

    def _respond(self, submission: CitySubmission, status_code: int = status.HTTP_200_OK) -> Response:
        submission = self.detail_queryset().get(pk=submission.pk)
        headers = {"ETag": etag(submission.version)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(f"{submission.pk}/")
        data = CitySubmissionDetailSerializer(submission, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers=headers)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = CitySubmissionCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        submission = services.city_submission_create(
            user=request.user,
            target=serializer.validated_data["target"],
            period=serializer.validated_data["period"],
            data=serializer.service_data(),
        )
        return self._respond(submission, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        submission = self.get_object()
        version = requested_version(request, required=True)
        serializer = CitySubmissionUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        submission = services.city_submission_update(
            submission=submission, user=request.user, version=version, data=serializer.service_data()
        )
        return self._respond(submission)

    def _step(self, request, service, **kwargs) -> Response:
        submission = self.get_object()
        version = requested_version(request, required=False)
        return self._respond(service(submission=submission, user=request.user, version=version, **kwargs))

    @extend_schema(request=None, responses=RESPONSES, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(request, services.city_submission_submit)

    @extend_schema(request=ReviewSerializer, responses=RESPONSES, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(request, services.city_submission_confirm, comment=serializer.validated_data["comment"])

    @extend_schema(request=ReturnSerializer, responses=RESPONSES, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(request, services.city_submission_return, comment=serializer.validated_data["comment"])

    # The whole history as one array (a submission has a handful of revisions), not a page.
    @extend_schema(responses=CitySubmissionRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request, pk=None):
        submission = get_object_or_404(self.scoped(), pk=pk)
        revisions = CitySubmissionRevision.objects.filter(submission=submission).select_related("created_by")
        return Response(CitySubmissionRevisionSerializer(revisions.order_by("number"), many=True).data)


SUBMISSION_ID = OpenApiParameter("submission_id", OpenApiTypes.INT, OpenApiParameter.PATH)


class EvidenceViewSetBase(
    TrackerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GenericViewSet
):
    """Evidence files nested under their owner (a submission or an application), which must be in the user's
    scope (else 404). Subclasses name the owner's model, URL keyword and field, and the service that adds a file."""

    owner_model = None
    owner_kwarg = ""
    owner_field = ""
    permission_classes = PERMISSIONS
    serializer_class = CityEvidenceSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination
    queryset = CityEvidence.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()
    write_throttle_scope = "tracker-uploads"

    def add_evidence(self, owner, file) -> CityEvidence:
        raise NotImplementedError

    def get_owner(self):
        if not hasattr(self, "_owner"):
            owners = self.owner_model.objects.restrict(self.request.user, "view")
            self._owner = get_object_or_404(owners, pk=self.kwargs[self.owner_kwarg])
        return self._owner

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CityEvidence.objects.none()
        rows = CityEvidence.objects.filter(**{self.owner_field: self.get_owner()})
        return rows.select_related("uploaded_by").order_by("id")

    def create(self, request, *args, **kwargs):
        refuse_oversized(request)
        owner = self.get_owner()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = self.add_evidence(owner, serializer.validated_data["file"])
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the file whatever the client accepts; errors still come as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None, **kwargs):
        return file_response(self.get_object())


@extend_schema_view(
    list=extend_schema(parameters=[SUBMISSION_ID]),
    retrieve=extend_schema(parameters=[SUBMISSION_ID]),
    create=extend_schema(
        parameters=[SUBMISSION_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: CityEvidenceSerializer, 409: STATE_CONFLICT},
    ),
    destroy=extend_schema(parameters=[SUBMISSION_ID], responses={204: None, 409: STATE_CONFLICT}),
    download=extend_schema(
        parameters=[SUBMISSION_ID], responses={(200, mime): OpenApiTypes.BINARY for mime in ACCEPTED_MIME_TYPES}
    ),
)
class SubmissionEvidenceViewSet(mixins.DestroyModelMixin, EvidenceViewSetBase):
    """Evidence of one city submission, at submissions/{submission_id}/evidence/ (removable while editable)."""

    owner_model, owner_kwarg, owner_field = CitySubmission, "submission_id", "submission"

    def add_evidence(self, owner, file) -> CityEvidence:
        return services.city_evidence_add(submission=owner, user=self.request.user, file=file)

    def perform_destroy(self, instance: CityEvidence) -> None:
        instance.submission = self.get_owner()
        services.city_evidence_delete(evidence=instance, user=self.request.user)


def refuse_oversized(request) -> None:
    """Refuse a body over the upload limit before it is read into temporary files (the file plus room for the form)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0  # the multipart parser refuses a malformed length itself
    if length > MAX_UPLOAD_BYTES + 64 * 1024:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError({"file": [_("A file may be at most %(limit)d MB.") % {"limit": limit}]})


def file_response(evidence: CityEvidence) -> FileResponse:
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    # Never rendered by the browser as a page, whatever the file holds.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
