"""Names cut to their column's length: never longer, unchanged when they fit, the extension
kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.lengths import fit_file_name, fit_text, length_of
from storage.schedule_models import Submission

names = st.text(min_size=0, max_size=400)
extensions = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)


@given(names, st.integers(min_value=1, max_value=300))
def test_fit_text_never_exceeds_the_limit_and_keeps_what_fits(text: str, limit: int) -> None:
    fitted = fit_text(text, limit)
    assert len(fitted) <= limit
    assert fitted == text if len(text) <= limit else fitted.endswith("…")
    assert text.startswith(fitted.removesuffix("…"))


@given(names, extensions, st.integers(min_value=2, max_value=300))
def test_fit_file_name_keeps_the_extension(stem: str, extension: str, limit: int) -> None:
    name = f"{stem}x.{extension}"
    fitted = fit_file_name(name, limit)
    assert len(fitted) <= limit
    if len(name) <= limit:
        assert fitted == name
    elif limit >= len(extension) + 3:
        assert fitted.endswith(f"….{extension}")


def test_length_of_reads_the_column() -> None:
    assert length_of(Submission.file_name) == 200
