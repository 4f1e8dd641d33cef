"""Statistics answers from the cache (issue 11): a JSON answer is stored as the bytes the renderer wrote, so the same
question asked again is a cache read and a copy, with no database query, no unpickling and no rendering.

An answer is a function of (the URL with its query, the user's scope, the generation of the figures, today, the
language, the media type): the key holds all six. The generation (core.cache.answers_generation) moves on every rollup
refresh and on every write the figures count (reports, city submissions, contributions, applications), after its
commit, so a changed figure makes every older answer unreachable; the TTL bounds the rest (reference data edited by
hand, target statuses an approval changes), as the one-minute refresh does. The ETag is the key's digest: a client
sending it back in If-None-Match gets 304 Not Modified, no body. The scope is checked by the caller before the key is
built, so a user without figures is refused (403) before any cache look-up, and bad filters (400) or pages (404) are
raised while computing, so never cached.
"""

import gzip
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.cache import answers_generation

# An answer outlives the figures it shows by at most this long (seconds) when no generation bump tells it: the beat
# refreshes every minute (and each refresh bumps the generation), so no answer is older than a change plus a minute.
ANSWER_TTL = 60
# JSON answers from this size on are also kept gzipped, for clients that accept it: a batch's matrix page is 1.5 MB
# of JSON at large scale (50 reforms x 300 cities), 96 KB gzipped, and it is compressed once per entry,
# not per request. No secret is in an answer (BREACH needs one reflected beside the attacker's input).
GZIP_FROM = 1024


def answer_key(request, scope) -> str:
    """The cache key of an answer to `request` for a user who sees `scope`; no database query."""
    query = sorted((name, value) for name in request.query_params for value in request.query_params.getlist(name))
    text = repr(
        (
            # Scheme and host too: the pages' next/previous links are absolute URLs built from them.
            request.build_absolute_uri(request.path),
            query,
            scope,
            answers_generation(),
            timezone.localdate().isoformat(),
            get_language(),
            # JSON and the browsable API are other representations: other cache entries, other ETags.
            request.accepted_media_type,
        )
    )
    return "stats-answer:" + hashlib.sha256(text.encode()).hexdigest()


def cached_answer(view, request, scope, compute: Callable[[], dict]) -> HttpResponse:
    """The response to `request`: 304 when the client holds the answer, else the answer from the cache or, on a miss,
    from `compute()` (then cached).

    JSON (the API's clients, the benchmark) is cached as the renderer's bytes and answered as they are, byte for
    byte what DRF's Response would have rendered from the data: the same renderer, media type and context. Other
    renderers (the browsable API) draw a page around the data per request, so their entry holds the data.
    """
    key = answer_key(request, scope)
    tag = f'"{key[-32:]}"'
    renderer = request.accepted_renderer
    zipped = isinstance(renderer, JSONRenderer) and accepts_gzip(request.headers.get("Accept-Encoding", ""))
    held = request.headers.get("If-None-Match", "")
    if tag in held or _gzip_tag(tag) in held:
        response = Response(status=304)
        tag = tag if tag in held else _gzip_tag(tag)
    elif isinstance(renderer, JSONRenderer):
        # One round trip to Redis either way (MGET): the answer, and its gzipped bytes when the client takes them.
        held_entries = cache.get_many([key, f"{key}:gzip"] if zipped else [key])
        body, compressed = held_entries.get(key), held_entries.get(f"{key}:gzip")
        if body is None and compressed is None:
            body = renderer.render(compute(), request.accepted_media_type, view.get_renderer_context())
            cache.set(key, body, ANSWER_TTL)
        if zipped and compressed is None and len(body) >= GZIP_FROM:
            compressed = gzip.compress(body, compresslevel=6, mtime=0)  # mtime 0: the same bytes every time
            cache.set(f"{key}:gzip", compressed, ANSWER_TTL)
        # The Content-Type Response.rendered_content would set (JSONRenderer has no charset: JSON is UTF-8).
        content_type = f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type
        if compressed is not None:
            response = HttpResponse(compressed, content_type=content_type)
            response["Content-Encoding"] = "gzip"
            tag = _gzip_tag(tag)  # another representation, another (strong) ETag
        else:
            response = HttpResponse(body, content_type=content_type)
    else:
        data = cache.get(key)
        if data is None:
            data = compute()
            cache.set(key, data, ANSWER_TTL)
        response = Response(data)
    response["ETag"] = tag
    patch_vary_headers(response, ["Accept-Encoding"])
    # Private: the answer depends on the user's scope. no-cache: revalidate (cheaply, with the ETag) each time.
    response["Cache-Control"] = "private, no-cache"
    return response


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (RFC 9110: "gzip", "gzip;q=0.5" yes; "gzip;q=0" no)."""
    for item in header.split(","):
        name, _, parameters = item.partition(";")
        if name.strip().lower() != "gzip":
            continue
        quality = parameters.strip().lower().removeprefix("q=").strip() if parameters else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def _gzip_tag(tag: str) -> str:
    return f'{tag[:-1]}-gzip"'
