"""Active content in PDFs: JavaScript and launch actions are refused, because evidence never needs them.

A PDF runs code through an action dictionary whose type is /JavaScript (also reached through /JS, /OpenAction and
the /AA additional actions) or /Launch (starts a program). We look for those names:
- in the file's bytes, after undoing the `#xx` escapes a name may be written with (`/J#61vaScript`);
- inside every stream that inflates with zlib (FlateDecode, the filter of nearly every object stream, where
  PDF 1.5+ files keep their dictionaries), up to a total of MAX_INFLATED_BYTES, so a small "zip bomb" cannot make
  the check itself the attack.

Limits, said plainly: streams under other filters (LZW, ASCII85, RunLength, chained filters) are not decoded; an
encrypted PDF's streams cannot be read, so an encrypted PDF that keeps objects in object streams is refused as
uncheckable; a name split by a comment or built by a viewer quirk may pass. This is a filter against the common
malicious PDF, not a PDF parser; the download endpoint still sends every file as an attachment, never inline.
"""

import re
import zlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_INFLATED_BYTES = 64 * 1024 * 1024

# A name token: "/" and regular characters (anything but white space and the PDF delimiters).
_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ACTIVE_NAMES = frozenset({b"/JS", b"/JavaScript", b"/Launch"})
_STREAM = re.compile(rb"stream\r?\n")

_ACTIVE = _(
    "PDF files with embedded JavaScript or launch actions are not accepted. Print the document to a new PDF "
    "and upload that."
)
_ENCRYPTED = _(
    "Encrypted PDF files cannot be checked. Save the document without a password or encryption and upload it again."
)


def _names(data: bytes) -> set[bytes]:
    return {_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), token) for token in _NAME.findall(data)}


def _inflated_streams(data: bytes):
    """The content of every stream that inflates with zlib, within the MAX_INFLATED_BYTES budget."""
    budget = MAX_INFLATED_BYTES
    for match in _STREAM.finditer(data):
        if budget <= 0:
            return
        inflater = zlib.decompressobj()
        try:
            # decompressobj stops at the end of the zlib data, so the stream's length need not be parsed.
            content = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue
        budget -= len(content)
        yield content


def check_pdf(data: bytes) -> None:
    """Raise a ValidationError if the PDF `data` carries JavaScript or a launch action, or cannot be checked."""
    names = _names(data)
    for content in _inflated_streams(data):
        names |= _names(content)
    if names & _ACTIVE_NAMES:
        raise ValidationError(_ACTIVE)
    if b"/Encrypt" in names and b"/ObjStm" in names:
        # An encrypted object stream does not inflate: the dictionaries inside it could hide anything.
        raise ValidationError(_ENCRYPTED)
