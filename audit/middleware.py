"""Every request gets an id (the client's X-Request-ID if plausible, else a new one), echoed in the response, put
on every log line, carried into the Celery tasks the request enqueues, and written with every change it makes."""

from django.utils.functional import SimpleLazyObject

from .context import audit_context, audit_context_update, clean_request_id, user_values

REQUEST_ID_HEADER = "X-Request-ID"


def client_address(request) -> str:
    # REMOTE_ADDR is the direct peer. Behind the one reverse proxy of the production stack, gunicorn's
    # --forwarded-allow-ips makes it the proxy's view of the client; X-Forwarded-For is not trusted here.
    return request.META.get("REMOTE_ADDR", "")


class _UserAwareRequest:
    """DRF authenticates tokens in the view and then sets `request.user` on the Django request: catch that."""

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "user" and not isinstance(value, SimpleLazyObject):
            audit_context_update(**user_values(value))


_request_classes: dict[type, type] = {}


def _user_aware(request) -> None:
    cls = request.__class__
    if cls not in _request_classes:
        _request_classes[cls] = type(f"UserAware{cls.__name__}", (_UserAwareRequest, cls), {})
    request.__class__ = _request_classes[cls]


class RequestContextMiddleware:
    """Opens the audit/log context of one request. Placed first, so every later middleware's log lines carry the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        _user_aware(request)
        with audit_context(
            request_id=request_id,
            ip=client_address(request),
            method=request.method,
            path=request.path[:300],
            process="web",
        ):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The session user is known once AuthenticationMiddleware ran; reading it here costs nothing more, because
        # every view that writes reads it anyway (permissions), and the lazy object caches it.
        user = getattr(request, "user", None)
        if user is not None:
            audit_context_update(**user_values(user))
        return None
