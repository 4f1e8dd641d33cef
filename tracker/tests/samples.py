"""Small real files of each kind the upload check must tell apart, built in memory."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def pdf_with(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A PDF whose catalog is object 1, with `objects` (numbered from 3) appended as they are given."""
    body = b"".join(b"%d 0 obj\n" % (n + 3) + obj + b"\nendobj\n" for n, obj in enumerate(objects))
    return (
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" + body + b"trailer<</Root 1 0 R" + trailer + b">>\n%%EOF\n"
    )


def pdf_object_stream(content: bytes) -> bytes:
    """An object stream (PDF 1.5+), Flate-compressed as writers make them, holding `content`."""
    packed = zlib.compress(content)
    return b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(packed) + packed + b"\nendstream"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def ooxml(main_part: str, *extra: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(main_part, "<document/>")
        for name in extra:
            archive.writestr(name, b"\0")
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml("word/document.xml")


def xlsx() -> bytes:
    return ooxml("xl/workbook.xml")


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def _dir_entry(name: str, kind: int, start: int, size: int, child=NOSTREAM, right=NOSTREAM) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def ole(stream_name: str = "WordDocument", storage: str | None = None) -> bytes:
    """A minimal OLE2 compound file: one 4 KiB stream (so no mini stream is needed), optionally one storage.

    Sector 0 holds the FAT, sector 1 the directory, sectors 2–9 the stream.
    """
    stream = b"\x00" * 4096
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    assert len(header) == 512
    fat = [FATSECT, ENDOFCHAIN, *range(3, 10), ENDOFCHAIN]
    fat_sector = struct.pack(f"<{len(fat)}I", *fat) + struct.pack("<I", FREESECT) * (128 - len(fat))
    entries = [
        _dir_entry("Root Entry", 5, ENDOFCHAIN, 0, child=1),
        _dir_entry(stream_name, 2, 2, len(stream), right=2 if storage else NOSTREAM),
        _dir_entry(storage, 1, 0, 0) if storage else _dir_entry("", 0, 0, 0),
        _dir_entry("", 0, 0, 0),
    ]
    return header + fat_sector + b"".join(entries) + stream


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 46 + b"PE\0\0" + b"\0" * 400


def html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
