"""The message catalogue: every text a user sees, keyed by meaning, Chinese first."""

from __future__ import annotations

from bot.texts.en import EnglishTexts
from bot.texts.zh import Texts

_BY_LOCALE: dict[str, Texts] = {"zh": Texts(), "en": EnglishTexts()}


def texts_for(language_code: str | None) -> Texts:
    """zh-CN by default; English for users whose Telegram speaks English."""
    if language_code and language_code.lower().startswith("en"):
        return _BY_LOCALE["en"]
    return _BY_LOCALE["zh"]


__all__ = ["Texts", "texts_for"]
