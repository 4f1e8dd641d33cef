"""Thin viewsets: scope from core.access (`Model.objects.restrict(user)`), writes through tracker.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet, ReadOnlyModelViewSet

from core.filters import FilterBackend
from core.pagination import Pagination, ordering_schema
from core.params import flag_parameter, query_flag
from core.schema import error_response

from .. import services
from ..filtersets import ProgressReportFilterSet, ReportingPeriodFilterSet
from ..models import Attachment, ProgressReport, ReportCityLine, ReportingPeriod, ReportRevision, ReportTransition
from ..uploads import ACCEPTED_MIME_TYPES, MAX_UPLOAD_BYTES
from .errors import etag, requested_version
from .pagination import ReportPagination
from .permissions import ScopedModelPermissions
from .prefer import MINIMAL, MINIMAL_RESPONSE, PREFER, REPRESENTATION, preferred_return
from .report_rows import report_position, report_rows, report_rows_queryset
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReportingPeriodSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
    ReturnSerializer,
    ReviewSerializer,
    RevisionSerializer,
)
from .throttling import TrackerScopedRateThrottle

# Model permissions open the writes (unit staff and the office hold add/change); which reports exist for a user is
# core.access's call (restrict()), and who may do what to which report the services'.
PERMISSIONS = [IsAuthenticated, ScopedModelPermissions]


class TrackerViewMixin:
    # Writes are throttled per user on top of the global rates; the scope names are REST_FRAMEWORK rate keys.
    write_throttle_scope = "tracker-writes"

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            self.throttle_scope = self.write_throttle_scope
            throttles.append(TrackerScopedRateThrottle())
        return throttles


@ordering_schema("starts_on", "due_on", "code")
class ReportingPeriodViewSet(TrackerViewMixin, ReadOnlyModelViewSet):
    serializer_class = ReportingPeriodSerializer
    filterset_class = ReportingPeriodFilterSet
    pagination_class = Pagination
    ordering_fields = ["starts_on", "due_on", "code"]

    def get_queryset(self):
        periods = ReportingPeriod.objects.restrict(self.request.user, "browse")
        return periods.select_related("batch").order_by("batch_id", "starts_on", "code")


WRITE_ACTIONS = {"update", "partial_update", "submit", "approve", "return_"}
DETAIL_RELATED_OBJECTS = ("reform", "unit", "period", "author", "reviewer")


def detail_prefetches() -> list[Prefetch]:
    """A report's city lines, history and evidence as its detail shows them."""
    return [
        Prefetch("city_lines", queryset=ReportCityLine.objects.select_related("city")),
        Prefetch("transitions", queryset=ReportTransition.objects.select_related("actor").order_by("at", "id")),
        Prefetch(
            "revisions", queryset=ReportRevision.objects.select_related("created_by").defer("data").order_by("number")
        ),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by").order_by("id")),
    ]


IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, description=_('The ETag of the report being changed, e.g. "3".')
)
STATE_CONFLICT = error_response(_("The report's state does not allow this (e.g. editing a submitted report)"))
REPORT_RESPONSES = {
    200: ReportDetailSerializer,
    204: MINIMAL_RESPONSE,
    409: STATE_CONFLICT,
    412: error_response(_("The report changed since the version given (If-Match or version)")),
}
UPDATE_RESPONSES = {
    **REPORT_RESPONSES,
    428: error_response(_("No version given: send If-Match (or a version field)")),
}


CITY_LINES = flag_parameter(
    "city_lines",
    _(
        "1: each report also carries its city lines (`city_lines`), as the detail does; for clients that copy "
        "everything. Else a report carries only their counts (`city_line_count`, `city_status_counts`)."
    ),
)


@ordering_schema("submitted_at", "updated_at", "created_at", "id")
@extend_schema_view(
    list=extend_schema(parameters=[CITY_LINES]),
    create=extend_schema(
        request=ReportCreateSerializer,
        responses={
            201: ReportDetailSerializer,
            204: MINIMAL_RESPONSE,
            409: error_response(_("A concurrent request conflicted; nothing was written")),
        },
        parameters=[PREFER],
    ),
    update=extend_schema(request=ReportUpdateSerializer, responses=UPDATE_RESPONSES, parameters=[IF_MATCH, PREFER]),
    partial_update=extend_schema(
        request=ReportUpdateSerializer, responses=UPDATE_RESPONSES, parameters=[IF_MATCH, PREFER]
    ),
)
class ProgressReportViewSet(
    TrackerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    permission_classes = PERMISSIONS
    filter_backends = [FilterBackend, OrderingFilter]  # the FilterSet only when a filter is asked for
    filterset_class = ProgressReportFilterSet
    query_flags = ("city_lines",)  # the list's opt-in (list()), no filter
    pagination_class = ReportPagination
    ordering_fields = ["submitted_at", "updated_at", "created_at", "id"]
    queryset = ProgressReport.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()

    def get_queryset(self):
        scoped = ProgressReport.objects.restrict(self.request.user)
        if self.action in WRITE_ACTIONS:
            # The report a write acts on: the service answers with what it wrote (_respond reads only what it did
            # not), so loading its history and evidence here would be thrown away. An update keeps this row and
            # answers with its related objects, joined here; a submit or review hands the scope to the service,
            # whose row lock reads the report within it (_review).
            if self.action in ("update", "partial_update"):
                return scoped.select_related(*DETAIL_RELATED_OBJECTS)
            return scoped
        if self.action == "list":
            # Read as tuples by list() (tracker.api.report_rows), the relations joined there.
            return scoped.order_by("-updated_at", "-id")
        return self.detail_queryset()

    def filter_queryset(self, queryset):
        # A write names its report by id: the list's filters and ordering on it would only cost django-filter's
        # form (a quarter of a submit's view time when it still went through get_object(), issue 11); a query
        # string on a write is ignored.
        if self.action in WRITE_ACTIONS:
            return queryset
        return super().filter_queryset(queryset)

    def detail_queryset(self):
        """A report as its detail shows it (the retrieve; a write's answer reads what its service did not keep)."""
        reports = ProgressReport.objects.restrict(self.request.user).for_api(city_lines=False)
        return reports.prefetch_related(*detail_prefetches())

    def list(self, request, *args, **kwargs):
        # Rows as plain dicts, the same JSON as ReportSerializer (which documents the list): issue 11.
        city_lines = query_flag(request, "city_lines")  # a bad value is a 400 before any query
        reports = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(report_rows_queryset(reports), request, self, count_source=reports)
        last = report_position(page[-1]) if page else None  # a cursor page's next link starts after it
        return self.paginator.get_paginated_response(report_rows(page, city_lines=city_lines), last=last)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":  # ReportSerializer's opt-in lines (CityLinesField)
            context["city_lines"] = query_flag(self.request, "city_lines")
        return context

    def get_serializer_class(self):
        return ReportSerializer if self.action == "list" else ReportDetailSerializer

    def _respond(self, report: ProgressReport, status_code: int = status.HTTP_200_OK) -> Response:
        # A write's answer is built from what the service wrote and kept (tracker.services.reports.writing.remember):
        # only the relations it did not keep are read here (issue 11: the re-read of all five was a third of a
        # create's queries). The related objects come joined from the service's lock or get_queryset().
        headers = {"ETag": etag(report.version)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(f"{report.pk}/")
        preference = preferred_return(self.request) if self.action != "retrieve" else None
        if preference == MINIMAL:  # RFC 7240 (tracker/api/prefer.py): the client needs no body
            headers["Preference-Applied"] = f"return={MINIMAL}"
            return Response(status=status.HTTP_204_NO_CONTENT, headers=headers)
        if preference == REPRESENTATION:
            headers["Preference-Applied"] = f"return={REPRESENTATION}"
        kept = getattr(report, "_prefetched_objects_cache", {})
        prefetch_related_objects([report], *(p for p in detail_prefetches() if p.prefetch_to not in kept))
        return Response(
            ReportDetailSerializer(report, context=self.get_serializer_context()).data,
            status=status_code,
            headers=headers,
        )

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = ReportCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.report_create(
            user=request.user,
            reform=data["reform"],
            period=data["period"],
            unit=data.get("unit"),
            **serializer.service_kwargs(),
        )
        return self._respond(report, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        report = self.get_object()
        version = requested_version(request, required=True)
        serializer = ReportUpdateSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        report = services.report_update(
            report=report, user=request.user, version=version, **serializer.service_kwargs()
        )
        return self._respond(report)

    def _review(self, request, service, **kwargs) -> Response:
        """A submit, approval or return: the service's row lock, taken within the user's scope, is the scope check
        (issue 11: get_object() read the report once more, and ran the list's filters on it). Answers as
        get_object() would: 404 outside the scope, then 403 without the model permission, then the service's own."""
        try:
            self.check_object_permissions(request, None)  # ScopedModelPermissions: the model permission only
            pk = ProgressReport._meta.pk.to_python(self.kwargs["pk"])
            version = requested_version(request, required=False)
        except DjangoValidationError:
            raise Http404 from None
        except (PermissionDenied, ValidationError):
            self.get_object()  # 404 outside the scope; in it, the same 403 (or the If-Match 400) again
            raise
        try:
            report = service(
                report=ProgressReport(pk=pk), within=self.get_queryset(), user=request.user, version=version, **kwargs
            )
        except ProgressReport.DoesNotExist:
            raise Http404 from None
        return self._respond(report)

    @extend_schema(request=None, responses=REPORT_RESPONSES, parameters=[IF_MATCH, PREFER])
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._review(request, services.report_submit)

    @extend_schema(request=ReviewSerializer, responses=REPORT_RESPONSES, parameters=[IF_MATCH, PREFER])
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._review(request, services.report_approve, comment=serializer.validated_data["comment"])

    @extend_schema(request=ReturnSerializer, responses=REPORT_RESPONSES, parameters=[IF_MATCH, PREFER])
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        serializer = ReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._review(request, services.report_return, comment=serializer.validated_data["comment"])

    # The whole history as one array (a report has a handful of revisions), not a page.
    @extend_schema(responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def revisions(self, request, pk=None):
        report = get_object_or_404(ProgressReport.objects.restrict(request.user), pk=pk)
        revisions = ReportRevision.objects.filter(report=report).select_related("created_by").order_by("number")
        return Response(RevisionSerializer(revisions, many=True).data)


REPORT_ID = OpenApiParameter("report_id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[REPORT_ID]),
    retrieve=extend_schema(parameters=[REPORT_ID]),
    create=extend_schema(
        parameters=[REPORT_ID],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 409: STATE_CONFLICT},
    ),
    destroy=extend_schema(parameters=[REPORT_ID], responses={204: None, 409: STATE_CONFLICT}),
    # The file as uploaded, with its own content type (one of the accepted kinds).
    download=extend_schema(
        parameters=[REPORT_ID], responses={(200, mime): OpenApiTypes.BINARY for mime in ACCEPTED_MIME_TYPES}
    ),
)
class AttachmentViewSet(
    TrackerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    GenericViewSet,
):
    """Evidence of one report, at reports/{report_id}/attachments/: a regex prefix on the app's one router gives
    the nesting without a library for it."""

    permission_classes = PERMISSIONS
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = Pagination
    queryset = Attachment.objects.none()  # for DjangoModelPermissions; rows come from get_queryset()
    write_throttle_scope = "tracker-uploads"

    def get_report(self) -> ProgressReport:
        if not hasattr(self, "_report"):
            reports = ProgressReport.objects.restrict(self.request.user).select_related("unit")
            self._report = get_object_or_404(reports, pk=self.kwargs["report_id"])
        return self._report

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return Attachment.objects.filter(report=self.get_report()).select_related("uploaded_by").order_by("id")

    def create(self, request, *args, **kwargs):
        # Refused before the body is read into temporary files: the limit is the file plus room for the form.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # the multipart parser refuses a malformed length itself
        if length > MAX_UPLOAD_BYTES + 64 * 1024:
            limit = MAX_UPLOAD_BYTES // (1024 * 1024)
            raise ValidationError({"file": [_("A file may be at most %(limit)d MB.") % {"limit": limit}]})
        report = self.get_report()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(report=report, user=request.user, file=serializer.validated_data["file"])
        attachment = self.get_queryset().get(pk=attachment.pk)
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Attachment) -> None:
        instance.report = self.get_report()
        services.attachment_delete(attachment=instance, user=self.request.user)

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the file whatever the client accepts; errors still come as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @action(detail=True, methods=["get"])
    def download(self, request, report_id=None, pk=None):
        attachment = self.get_object()
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        # Never rendered by the browser as a page, whatever the file holds.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
