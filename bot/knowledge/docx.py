"""Plain text out of a .docx (Office Open XML): its paragraphs, in order, one per line.

The package is checked as spreadsheets are (storage.safe_zip: real unpacked bytes counted,
stored and deflate only, no DOCTYPE in any member, so no entity can expand or reach out), and
word/document.xml is read within a size limit.
"""

from __future__ import annotations

from xml.etree import ElementTree

from storage.safe_zip import UnsafeZip, ZipProblem, checked_zip

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML = 20 * 1024 * 1024


class NotADocx(ValueError):
    pass


class UnsafeDocx(NotADocx):
    """XML with a DOCTYPE: entity expansion or external entities."""


def docx_text(data: bytes, max_bytes: int) -> str:
    """The text of a .docx of at most max_bytes (the upload limit the zip limits scale with)."""
    try:
        with checked_zip(data, max_bytes) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML:
                raise NotADocx("too large")
            xml = archive.read(info)
    except UnsafeZip as unsafe:
        if unsafe.problem is ZipProblem.DOCTYPE:
            raise UnsafeDocx(unsafe.problem) from None
        raise NotADocx(unsafe.problem) from None
    except KeyError as error:
        raise NotADocx(str(error)) from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise NotADocx(str(error)) from None
    paragraphs = ("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p"))
    return "\n".join(p for p in paragraphs if p.strip())
