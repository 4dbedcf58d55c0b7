"""The DOCTYPE probe (storage/xml_prolog.py) against generated documents: any prolog of
comments, processing instructions and white space, in UTF-8, UTF-16 or Latin-1, cut into any
pieces; it finds the DOCTYPE exactly when there is one."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from storage.xml_prolog import MAX_PROLOG, PrologProbe

# characters XML allows (no control characters), none that would end a comment or a tag
_TEXT = st.text(
    st.characters(codec="latin-1", exclude_categories=["Cc"], exclude_characters="-?<>&"),
    max_size=40,
)
_MISC = st.one_of(
    st.sampled_from([" ", "\n", "\r\n\t"]),
    _TEXT.map(lambda t: f"<!--{t}-->"),
    _TEXT.map(lambda t: f"<?note {t}?>"),
)
_DOCTYPES = st.sampled_from(
    [
        '<!DOCTYPE root [<!ENTITY a "b">]>',
        '<!DOCTYPE root SYSTEM "file:///etc/passwd">',
        "<!DOCTYPE root>",
    ]
)
_ENCODINGS = st.sampled_from(["utf-8", "utf-16", "iso-8859-1"])


@st.composite
def _documents(draw: st.DrawFn) -> tuple[bytes, bool]:
    encoding = draw(_ENCODINGS)
    before, after = draw(st.lists(_MISC, max_size=5)), draw(st.lists(_MISC, max_size=5))
    doctype = draw(st.none() | _DOCTYPES)
    declared = draw(st.booleans()) or encoding == "iso-8859-1"
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if declared else ""
    body = f'<root xmlns:w="urn:w"><w:t>{draw(_TEXT)}</w:t></root>'
    text = declaration + "".join(before) + (doctype or "") + "".join(after) + body
    return text.encode(encoding), doctype is not None


@given(_documents(), st.lists(st.integers(min_value=0), max_size=6))
def test_probe_finds_a_doctype_exactly_when_there_is_one(
    document: tuple[bytes, bool], cuts: list[int]
) -> None:
    data, has_doctype = document
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    probe = PrologProbe()
    for start, end in pairwise(points):
        probe.feed(data[start:end])
    assert probe.doctype is has_doctype
    assert probe.decided


def test_bytes_that_are_not_xml_decide_at_once_without_a_doctype() -> None:
    probe = PrologProbe()
    probe.feed(b"\x89PNG\r\n\x1a\n<!DOCTYPE root>")
    assert probe.decided and not probe.doctype


def test_a_prolog_past_the_limit_is_overlong_and_read_no_further() -> None:
    probe = PrologProbe()
    probe.feed(b'<?xml version="1.0"?>' + b" " * MAX_PROLOG)
    assert probe.decided and probe.overlong and not probe.doctype
    probe.feed(b'<!DOCTYPE root [<!ENTITY a "b">]><root/>')  # never read
    assert not probe.doctype
