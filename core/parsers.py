"""The JSON parser of the API: DRF's, with a bound on nesting and every decoding failure answered as a 400.

Python's decoder recurses once per level: a body nested a thousand levels deep raises RecursionError (a 500 in
DRF's parser, which catches ValueError only), and a few hundred levels would still recurse through the serializers.
No document of this API nests deeper than a handful of levels.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class BodyParseError(ParseError):
    default_detail = _("The request body is not valid JSON in UTF-8.")


def _depth(document) -> int:
    """The nesting depth of a parsed document, without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, level)
            stack.extend((item, level + 1) for item in value)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            document = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise BodyParseError() from None
        except (RecursionError, LookupError, ValueError):
            # RecursionError: nesting past the interpreter's limit; LookupError: an unknown charset parameter.
            raise BodyParseError() from None
        if _depth(document) > MAX_DEPTH:
            raise BodyParseError(_("The request body nests deeper than %(max)d levels.") % {"max": MAX_DEPTH})
        return document
