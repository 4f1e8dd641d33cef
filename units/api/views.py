from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.pagination import Pagination, ordering_schema
from core.schema import error_response
from units.filtersets import CityFilterSet, UnitFilterSet
from units.models import City, Unit

from .serializers import CitySerializer, TokenRequestSerializer, TokenSerializer, UnitSerializer

# Every authenticated role reads cities and units: they are the public division of work within the service
# (core.access, "browse"); only progress reports are scoped to units.


@ordering_schema("code", "name")
class CityViewSet(ReadOnlyModelViewSet):
    serializer_class = CitySerializer
    filterset_class = CityFilterSet
    pagination_class = Pagination
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return City.objects.restrict(self.request.user, "browse").order_by("code")


@ordering_schema("name", "kind")
class UnitViewSet(ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    pagination_class = Pagination
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        # One LEFT JOIN on reforms_responsibility counted twice with a FILTER, so the counts cost no query per unit.
        # The role values are spelled out because units may not import reforms (reforms.choices.ResponsibilityRole);
        # reforms/tests/test_api.py checks that these counts follow it.
        return (
            Unit.objects.restrict(self.request.user, "browse")
            .select_related("city")
            .annotate(
                lead_reform_count=Count("responsibilities", filter=Q(responsibilities__role="lead")),
                co_reform_count=Count("responsibilities", filter=Q(responsibilities__role="co")),
            )
            # Explicit: Meta.ordering is dropped from GROUP BY queries.
            .order_by("name")
        )


class TokenObtainView(ObtainAuthToken):
    """POST /api/auth/token/: a consumer's user name and password in, the token the office issued to it out.

    Nobody is signed in to call it, so no authentication runs (and no CSRF check); its own throttle scope counts
    attempts per client address, on top of the sign-in lockout (django-axes) that every password check goes through.
    It hands out existing tokens only: issuing and revoking stay with the office, in the admin.
    """

    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth-token"
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        auth=[],
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: error_response(_("Wrong user name or password, or no token issued to the account.")),
            429: error_response(_("Too many attempts: wait the seconds Retry-After says.")),
        },
        description=_(
            "Exchange an API consumer's user name and password for the token the provincial office issued to it. "
            "Send the token as “Authorization: Token <token>”."
        ),
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(TokenSerializer({"token": serializer.validated_data["token"].key}).data)
