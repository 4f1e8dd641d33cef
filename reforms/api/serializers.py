from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reforms.choices import Category, ResponsibilityRole, Scope, TargetStatus
from reforms.models import Batch, Reform, Responsibility, RolloutTarget
from units.api.fields import ChoiceLabelField


class BatchSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="reforms-api:batch-detail")
    # Annotated in BatchViewSet.get_queryset().
    reform_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "url",
            "code",
            "title",
            "document_number",
            "issued_on",
            "reporting_rules",
            "default_deadline",
            "reform_count",
        ]


class BatchBriefSerializer(serializers.ModelSerializer):
    """A batch nested in another object (a reform, a statistics row)."""

    class Meta:
        model = Batch
        fields = ["id", "code", "title"]


class ReformBriefSerializer(serializers.ModelSerializer):
    """A reform nested in another object (a report, a missing report)."""

    class Meta:
        model = Reform
        fields = ["id", "code", "title"]


class ResponsibleUnitSerializer(serializers.ModelSerializer):
    """A responsible unit of a reform, flattened: the unit's id and names with its role for this reform."""

    id = serializers.IntegerField(source="unit_id", read_only=True)
    name = serializers.CharField(source="unit.name", read_only=True)
    short_en = serializers.CharField(source="unit.short_en", read_only=True)
    role_display = ChoiceLabelField(source="role", choices=ResponsibilityRole.choices)

    class Meta:
        model = Responsibility
        fields = ["id", "name", "short_en", "role", "role_display"]


class TargetCitySerializer(serializers.ModelSerializer):
    """A target city of a reform, flattened: the city's id, code and name with the reform's status there."""

    id = serializers.IntegerField(source="city_id", read_only=True)
    code = serializers.CharField(source="city.code", read_only=True)
    name = serializers.CharField(source="city.name", read_only=True)
    status_display = ChoiceLabelField(source="status", choices=TargetStatus.choices)

    class Meta:
        model = RolloutTarget
        fields = ["id", "code", "name", "status", "status_display", "not_applicable_reason", "status_changed_on"]


class TargetStatusCountsSerializer(serializers.Serializer):
    """How many cities are at each status, every status present (0 if none): a reform's target cities, a progress
    report's city lines."""

    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    done = serializers.IntegerField()
    not_applicable = serializers.IntegerField()


def target_status_counts(reform) -> dict[str, int]:
    """{status: count} for every TargetStatus, from the counts ReformViewSet annotates (total, done, applicable, in
    progress): a not-applicable target is one not applicable, a not-started one an applicable one neither done nor
    in progress."""
    return {
        TargetStatus.NOT_STARTED.value: reform.applicable_count - reform.done_count - reform.in_progress_count,
        TargetStatus.IN_PROGRESS.value: reform.in_progress_count,
        TargetStatus.DONE.value: reform.done_count,
        TargetStatus.NOT_APPLICABLE.value: reform.target_count - reform.applicable_count,
    }


class ReformSerializer(serializers.ModelSerializer):
    """A reform in the list: its responsible units, and its target cities as counts per status. The cities
    themselves are in the detail (ReformDetailSerializer): nested in the list they were 300 per reform at national
    scale, 15,000 objects on a page of 50 (issue 11)."""

    url = serializers.HyperlinkedIdentityField(view_name="reforms-api:reform-detail")
    batch = BatchBriefSerializer(read_only=True)
    category_display = ChoiceLabelField(source="category", choices=Category.choices)
    scope_display = ChoiceLabelField(source="scope", choices=Scope.choices)
    effective_deadline = serializers.DateField(read_only=True, allow_null=True)
    # Prefetched in ReformViewSet.get_queryset(), in table order and by city code.
    responsible_units = ResponsibleUnitSerializer(source="responsibilities", many=True, read_only=True)
    # Annotated by ReformQuerySet.with_counts().
    target_count = serializers.IntegerField(read_only=True)
    done_count = serializers.IntegerField(read_only=True)
    target_status_counts = serializers.SerializerMethodField()

    class Meta:
        model = Reform
        fields = [
            "id",
            "url",
            "code",
            "batch",
            "category",
            "category_display",
            "number",
            "position",
            "title",
            "content",
            "scope",
            "scope_display",
            "needs_verification",
            "verification_note",
            "deadline",
            "effective_deadline",
            "responsible_units",
            "target_count",
            "done_count",
            "target_status_counts",
        ]

    @extend_schema_field(TargetStatusCountsSerializer)
    def get_target_status_counts(self, reform) -> dict[str, int]:
        return target_status_counts(reform)


class ReformDetailSerializer(ReformSerializer):
    """One reform with its target cities, by city code (prefetched in ReformViewSet.get_queryset())."""

    target_cities = TargetCitySerializer(source="targets", many=True, read_only=True)

    class Meta(ReformSerializer.Meta):
        fields = [*ReformSerializer.Meta.fields, "target_cities"]
