"""What an uploaded evidence file really is, judged by its content, and whether its name agrees.

`filetype` reads the magic bytes. Two container formats need a look inside, because their magic bytes say only
"a ZIP" or "an OLE2 compound file", and an installer (.msi) or any archive shares them with office documents:
- Office Open XML (docx/xlsx/pptx) is a ZIP: its part names must include the main part of the kind it claims.
- Office 97-2003 and WPS files (doc/xls/ppt, wps/et/dps) are OLE2 files: `olefile` lists their streams, which must
  include the main stream of that kind.
Documents carrying VBA macros are refused in both formats: nobody needs macros to prove progress. PDFs with
JavaScript or launch actions are refused too (pdf_checks).
"""

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
import olefile
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .pdf_checks import check_pdf

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_HEAD_BYTES = 8192
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Kind:
    """A family of accepted files: what to call it, its MIME type, and the extensions a name may carry."""

    label: str
    mime: str
    extensions: frozenset[str]


PDF = Kind("PDF", "application/pdf", frozenset({"pdf"}))
PNG = Kind("PNG", "image/png", frozenset({"png"}))
JPEG = Kind("JPEG", "image/jpeg", frozenset({"jpg", "jpeg"}))
DOCX = Kind("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", frozenset({"docx"}))
XLSX = Kind("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", frozenset({"xlsx"}))
PPTX = Kind(
    "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation", frozenset({"pptx"})
)
DOC = Kind("Word 97-2003 / WPS", "application/msword", frozenset({"doc", "wps"}))
XLS = Kind("Excel 97-2003 / WPS", "application/vnd.ms-excel", frozenset({"xls", "et"}))
PPT = Kind("PowerPoint 97-2003 / WPS", "application/vnd.ms-powerpoint", frozenset({"ppt", "dps"}))

KINDS = (PDF, PNG, JPEG, DOCX, XLSX, PPTX, DOC, XLS, PPT)
ACCEPTED_EXTENSIONS = frozenset().union(*(k.extensions for k in KINDS))
ACCEPTED_MIME_TYPES = tuple(k.mime for k in KINDS)

# Main part of each Office Open XML kind; [Content_Types].xml must be there too.
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
# Main stream of each OLE2 kind (WPS Office writes the same streams as Microsoft Office).
_OLE_STREAMS = {"worddocument": DOC, "workbook": XLS, "book": XLS, "powerpoint document": PPT}
_OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "vba"}

_NOT_ACCEPTED = _("This kind of file is not accepted. Upload PDF, Word, Excel, PowerPoint, WPS, PNG or JPEG files.")
# Whatever a damaged or unusual container makes the readers raise means "not a document we accept": a ZIP whose
# central directory claims a newer version raises NotImplementedError, an encrypted one RuntimeError, a truncated
# one EOFError or struct.error, and olefile has its own assortment.
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    LookupError,
    IndexError,
    TypeError,
    AttributeError,
    OverflowError,
    MemoryError,
    RecursionError,
    struct.error,
    zlib.error,
)
_MACROS = _("Documents with macros are not accepted. Save the document without macros and upload it again.")


def extension_of(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")


def _ooxml_kind(upload: UploadedFile) -> Kind:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except _UNREADABLE:
        raise ValidationError(_NOT_ACCEPTED) from None
    if "[Content_Types].xml" not in names:
        raise ValidationError(_NOT_ACCEPTED)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(_MACROS)
    kinds = {kind for part, kind in _OOXML_PARTS.items() if part in names}
    if len(kinds) != 1:
        raise ValidationError(_NOT_ACCEPTED)
    return kinds.pop()


def _ole_kind(upload: UploadedFile) -> Kind:
    upload.seek(0)
    try:
        with olefile.OleFileIO(upload) as ole:
            entries = ole.listdir(streams=True, storages=True)
    except _UNREADABLE:
        raise ValidationError(_NOT_ACCEPTED) from None
    top_level = {entry[0].lower() for entry in entries if entry}
    if top_level & _OLE_MACRO_STORAGES:
        raise ValidationError(_MACROS)
    kinds = {kind for stream, kind in _OLE_STREAMS.items() if stream in top_level}
    if len(kinds) != 1:
        raise ValidationError(_NOT_ACCEPTED)
    return kinds.pop()


def inspect_upload(upload: UploadedFile) -> Kind:
    """The Kind of `upload`, or a ValidationError saying (in the user's language) why it is refused."""
    name = upload.name or ""
    extension = extension_of(name)
    if extension not in ACCEPTED_EXTENSIONS:
        raise ValidationError(_NOT_ACCEPTED)
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("A file may be at most %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    guess = filetype.guess(head)
    found = guess.extension if guess else None
    if head.startswith(_OLE_MAGIC):
        kind = _ole_kind(upload)
    elif found in ("zip", "docx", "xlsx", "pptx"):
        kind = _ooxml_kind(upload)
    elif found == "pdf":
        upload.seek(0)
        check_pdf(upload.read())
        kind = PDF
    elif found == "png":
        kind = PNG
    elif found == "jpg":
        kind = JPEG
    else:
        raise ValidationError(_NOT_ACCEPTED)
    upload.seek(0)
    if extension not in kind.extensions:
        raise ValidationError(
            _("The file's content (%(kind)s) does not match its name ending in .%(extension)s.")
            % {"kind": kind.label, "extension": extension}
        )
    return kind
