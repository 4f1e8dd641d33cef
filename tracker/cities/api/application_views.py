"""Applications for 有条件的市 items and their evidence: thin viewsets over tracker.cities.services.applications."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
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
from .views import STATE_CONFLICT, EvidenceViewSetBase, StepPermissions


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
class ApplicationEvidenceViewSet(EvidenceViewSetBase):
    """Evidence of one application, at applications/{application_id}/evidence/ (kept with it: no delete)."""

    owner_model, owner_kwarg, owner_field = CityApplication, "application_id", "application"

    def add_evidence(self, owner, file) -> CityEvidence:
        return services.city_application_evidence_add(application=owner, user=self.request.user, file=file)
