from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from rest_framework.filters import OrderingFilter
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.filters import FilterBackend
from core.pagination import Pagination, ordering_schema
from reforms.choices import TargetStatus
from reforms.filtersets import ReformFilterSet
from reforms.models import Batch, Reform, Responsibility, RolloutTarget

from .reform_rows import reform_rows, reform_rows_queryset
from .serializers import BatchSerializer, ReformDetailSerializer, ReformSerializer

# Every authenticated role reads batches and reforms with all their units and cities: the task-division table is
# public within the service, and unit staff need to see the reforms their unit only co-implements and who leads
# them. So these querysets are core.access's "browse" (every signed-in user), not its "view", which scopes the admin
# and the report forms: "view" here would hide the co-units' and other units' work from the people coordinating
# with them.


@ordering_schema("issued_on", "code")
class BatchViewSet(ReadOnlyModelViewSet):
    serializer_class = BatchSerializer
    pagination_class = Pagination
    ordering_fields = ["issued_on", "code"]

    def get_queryset(self):
        return (
            Batch.objects.restrict(self.request.user, "browse")
            .annotate(reform_count=Count("reforms"))
            # Explicit: Meta.ordering is dropped from GROUP BY queries.
            .order_by("-issued_on", "code")
        )


@ordering_schema("position", "number", "code", "deadline")
class ReformViewSet(ReadOnlyModelViewSet):
    filter_backends = [FilterBackend, OrderingFilter]  # the FilterSet only when a filter is asked for
    serializer_class = ReformSerializer
    filterset_class = ReformFilterSet
    pagination_class = Pagination
    ordering_fields = ["position", "number", "code", "deadline"]

    def get_serializer_class(self):
        return ReformSerializer if self.action == "list" else ReformDetailSerializer

    def get_queryset(self):
        # With with_counts()' total, done and applicable, the targets in progress give every status's count.
        in_progress = (
            RolloutTarget.objects.filter(reform=OuterRef("pk"), status=TargetStatus.IN_PROGRESS)
            .order_by()
            .values("reform")
            .annotate(n=Count("id"))
            .values("n")
        )
        reforms = (
            Reform.objects.restrict(self.request.user, "browse")
            .with_counts()
            .annotate(in_progress_count=Coalesce(Subquery(in_progress), 0))
            # Explicit: Meta.ordering is dropped from GROUP BY queries. "batch" sorts by Batch.Meta.ordering.
            .order_by(*Reform._meta.ordering)
        )
        if self.action == "list":
            # Read as tuples by list() (reforms.api.reform_rows), the batch and the responsible units joined there.
            return reforms
        # The detail nests its target cities (the list counts them: 300 per reform at national scale, issue 11).
        targets = RolloutTarget.objects.select_related("city").order_by("city__code")
        return reforms.select_related("batch").prefetch_related(
            Prefetch(
                "responsibilities", queryset=Responsibility.objects.select_related("unit").order_by("position", "id")
            ),
            Prefetch("targets", queryset=targets),
        )

    def list(self, request, *args, **kwargs):
        # Rows as plain dicts, the same JSON as ReformSerializer (which documents the list): issue 11.
        page = self.paginate_queryset(reform_rows_queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(reform_rows(page, request=request, format=self.format_kwarg))
