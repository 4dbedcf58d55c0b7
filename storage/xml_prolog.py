"""Whether an XML document declares a DOCTYPE, read no further than its root element's start.

A DOCTYPE is where entities are declared: a few kilobytes of them expand to gigabytes of text
(expat allows a hundredfold), or name a file on the server. Office never writes one, so any is
refused. It can only stand before the root element, so the probe stops there; the parser is
set up as ElementTree's (namespaces on), so that what fails here fails there too. Office's
prologs are a line long: one longer than MAX_PROLOG (hundreds of megabytes of white space, say,
that would all have to be parsed) is refused too.

defusedxml would do the same for the .docx, but once installed openpyxl switches every
workbook to the pure-Python ElementTree (measured: 45% more CPU to read a sheet).
"""

from __future__ import annotations

from xml.parsers import expat

MAX_PROLOG = 64 * 1024  # bytes before the root element


class _Decided(Exception):
    pass


class PrologProbe:
    """Feed a document's bytes in order until `decided`; then `doctype` or `overlong` tells.
    Bytes that are not XML (an image) decide at once, without a DOCTYPE: no XML reader will
    get past them."""

    def __init__(self) -> None:
        self.decided = False
        self.doctype = False
        self.overlong = False
        self._fed = 0
        self._parser = expat.ParserCreate(None, "}")
        self._parser.StartDoctypeDeclHandler = self._on_doctype
        self._parser.StartElementHandler = self._on_root

    def feed(self, data: bytes | memoryview) -> None:
        if self.decided:
            return
        piece = bytes(data[: MAX_PROLOG + 1 - self._fed])
        self._fed += len(piece)
        try:
            self._parser.Parse(piece, False)
        except (_Decided, expat.ExpatError):
            self.decided = True
            return
        if self._fed > MAX_PROLOG:
            self.decided = self.overlong = True

    def _on_doctype(self, *_: object) -> None:
        self.doctype = True
        raise _Decided

    def _on_root(self, *_: object) -> None:
        raise _Decided
