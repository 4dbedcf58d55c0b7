"""Plain text out of a .docx (Office Open XML): its paragraphs, in order, one per line.

The package is checked as spreadsheets are (storage.safe_zip: real unpacked bytes counted,
stored and deflate only), word/document.xml is read within a size limit, and any DOCTYPE is
refused: Word never writes one, and its entities are how a few kilobytes of XML expand to
gigabytes of text.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from storage.safe_zip import UnsafeZip, checked_zip

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
    except (UnsafeZip, KeyError) as error:
        raise NotADocx(str(error)) from None
    try:
        root = fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as error:
        raise UnsafeDocx(str(error)) from None
    except ParseError as error:
        raise NotADocx(str(error)) from None
    paragraphs = ("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p"))
    return "\n".join(p for p in paragraphs if p.strip())
