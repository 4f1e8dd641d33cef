import re

from django.db.models import Count, Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.viewsets import ReadOnlyModelViewSet

from core.schema import error_response
from units.filtersets import CityFilterSet, UnitFilterSet
from units.models import City, Unit

from .serializers import CitySerializer, TokenRequestSerializer, TokenSerializer, UnitSerializer


class Pagination(PageNumberPagination):
    """PAGE_SIZE rows by default; a client listing a whole batch in one go may ask for up to 200."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF falls back to the default on a malformed page_size; the schema says a positive integer, so say 400.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not re.fullmatch(r"[0-9]{1,9}", raw.strip() or "x"):
            raise ValidationError({self.page_size_query_param: [_("A valid integer is required.")]})
        return super().get_page_size(request)


def ordering_schema(*fields: str):
    """Document the `ordering` values a list accepts; OrderingFilter alone only says "a field".

    Also used by tracker.api.views: keep the signature.
    """
    parameter = OpenApiParameter(
        "ordering",
        str,
        description=format_lazy(
            "{}: {}", _("Sort by one or more of these fields, comma-separated, - for descending"), ", ".join(fields)
        ),
    )
    return extend_schema_view(list=extend_schema(parameters=[parameter]))


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
