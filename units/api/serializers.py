from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer

from units.api.fields import ChoiceLabelField
from units.choices import UnitKind
from units.models import City, Unit


class CitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="units-api:city-detail")

    class Meta:
        model = City
        fields = ["id", "url", "code", "name", "name_en"]


class CityBriefSerializer(serializers.ModelSerializer):
    """A city nested in another object (a unit, a report's city line, a statistics row)."""

    class Meta:
        model = City
        fields = ["id", "code", "name"]


class UnitBriefSerializer(serializers.ModelSerializer):
    """A unit nested in another object (a report, a statistics row)."""

    class Meta:
        model = Unit
        fields = ["id", "name"]


class UnitSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="units-api:unit-detail")
    kind_display = ChoiceLabelField(source="kind", choices=UnitKind.choices)
    city = CityBriefSerializer(read_only=True, allow_null=True)
    aliases = serializers.SerializerMethodField()
    # Annotated in UnitViewSet.get_queryset().
    lead_reform_count = serializers.IntegerField(read_only=True)
    co_reform_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "url",
            "name",
            "short_en",
            "kind",
            "kind_display",
            "city",
            "aliases",
            "email",
            "lead_reform_count",
            "co_reform_count",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_aliases(self, unit: Unit) -> list[str]:
        return [line.strip() for line in unit.aliases.splitlines() if line.strip()]


class TokenRequestSerializer(AuthTokenSerializer):
    """A consumer's user name and password; valid only for an account the office has issued a token to."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        token = Token.objects.filter(user=attrs["user"]).first()
        if token is None:
            # The password was right, so saying why is no help to a guesser; the office issues and revokes tokens,
            # and a revoked token must not come back by itself.
            raise serializers.ValidationError(
                _("No API token has been issued to this account: ask the provincial office for one."), code="no_token"
            )
        attrs["token"] = token
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as the header “Authorization: Token <token>”."))
