"""Applications for 有条件的市 items and their evidence: thin viewsets over tracker.cities.services.applications."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from tracker.api.serializers import AttachmentUploadSerializer
from tracker.api.views import TrackerViewMixin
from tracker.uploads import ACCEPTED_MIME_TYPES
from units.api.views import Pagination, ordering_schema

from .. import services
from ..filtersets import CityApplicationFilterSet
from ..models import CityApplication, CityApplicationStep, CityEvidence
from .application_serializers import (
    ApproveSerializer,
    CityApplicationCreateSerializer,
    CityApplicationDetailSerializer,
    CityApplicationSerializer,
    OpinionSerializer,
    RejectSerializer,
)
from .serializers import CityEvidenceSerializer
from .views import PERMISSIONS, STATE_CONFLICT, StepPermissions, file_response, refuse_oversized


@ordering_schema("created_at", "updated_at", "id")
class CityApplicationViewSet(
    TrackerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GenericViewSet
):
    """Applications for 有条件的市 items: the city applies, the lead unit gives its opinion, the office decides."""

    permission_classes = [IsAuthenticated, StepPermissions]
    filterset_class = CityApplicationFilterSet
    pagination_class = Pagination
    ordering_fields = ["created_at", "updated_at", "id"]
    queryset = CityApplication.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()

    def get_queryset(self):
        if self.action == "list":
            return self.rows().order_by("-updated_at", "-id")
        return self.detail_queryset()

    def rows(self):
        return CityApplication.objects.restrict(self.request.user).select_related("reform", "city", "applicant")

    def detail_queryset(self):
        return self.rows().prefetch_related(
            Prefetch("steps", queryset=CityApplicationStep.objects.select_related("actor").order_by("at", "id")),
            Prefetch("evidence", queryset=CityEvidence.objects.select_related("uploaded_by").order_by("id")),
        )

    def get_serializer_class(self):
        return CityApplicationSerializer if self.action == "list" else CityApplicationDetailSerializer

    def _respond(self, application: CityApplication, status_code: int = status.HTTP_200_OK) -> Response:
        application = self.detail_queryset().get(pk=application.pk)
        data = CityApplicationDetailSerializer(application, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(request=CityApplicationCreateSerializer, responses={201: CityApplicationDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = CityApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.city_application_create(user=request.user, **serializer.validated_data)
        return self._respond(application, status.HTTP_201_CREATED)

    @extend_schema(request=OpinionSerializer, responses={200: CityApplicationDetailSerializer, 409: STATE_CONFLICT})
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        application = self.get_object()
        serializer = OpinionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            services.city_application_opinion(application=application, user=request.user, **serializer.validated_data)
        )

    @extend_schema(request=ApproveSerializer, responses={200: CityApplicationDetailSerializer, 409: STATE_CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            services.city_application_approve(application=application, user=request.user, **serializer.validated_data)
        )

    @extend_schema(request=RejectSerializer, responses={200: CityApplicationDetailSerializer, 409: STATE_CONFLICT})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(
            services.city_application_reject(application=application, user=request.user, **serializer.validated_data)
        )


APPLICATION_ID = OpenApiParameter("application_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[APPLICATION_ID]),
    retrieve=extend_schema(parameters=[APPLICATION_ID]),
    create=extend_schema(
        parameters=[APPLICATION_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: CityEvidenceSerializer, 409: STATE_CONFLICT},
    ),
    download=extend_schema(
        parameters=[APPLICATION_ID], responses={(200, mime): OpenApiTypes.BINARY for mime in ACCEPTED_MIME_TYPES}
    ),
)
class ApplicationEvidenceViewSet(
    TrackerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GenericViewSet
):
    """Evidence of one application, at applications/{application_id}/evidence/ (kept with it: no delete)."""

    permission_classes = PERMISSIONS
    serializer_class = CityEvidenceSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination
    queryset = CityEvidence.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()
    write_throttle_scope = "tracker-uploads"

    def get_owner(self) -> CityApplication:
        if not hasattr(self, "_owner"):
            owners = CityApplication.objects.restrict(self.request.user)
            self._owner = get_object_or_404(owners, pk=self.kwargs["application_id"])
        return self._owner

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CityEvidence.objects.none()
        return CityEvidence.objects.filter(application=self.get_owner()).select_related("uploaded_by").order_by("id")

    def create(self, request, *args, **kwargs):
        refuse_oversized(request)
        owner = self.get_owner()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.city_application_evidence_add(
            application=owner, user=request.user, file=serializer.validated_data["file"]
        )
        evidence = self.get_queryset().get(pk=evidence.pk)
        return Response(self.get_serializer(evidence).data, status=status.HTTP_201_CREATED)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None, **kwargs):
        return file_response(self.get_object())
