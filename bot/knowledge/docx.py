"""Plain text out of a .docx (Office Open XML): its paragraphs, in order, one per line.

Only word/document.xml is read, within a size limit, so a crafted file cannot blow up.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML = 20 * 1024 * 1024


class NotADocx(ValueError):
    pass


def docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_XML:
                raise NotADocx("too large")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise NotADocx(str(error)) from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise NotADocx(str(error)) from None
    paragraphs = ("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p"))
    return "\n".join(p for p in paragraphs if p.strip())
