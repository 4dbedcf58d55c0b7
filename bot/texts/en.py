"""English texts for users whose Telegram speaks English; the rest falls back to Chinese."""

from __future__ import annotations

from bot.texts.zh import Texts


class EnglishTexts(Texts):
    locale = "en"

    def import_refused(self, kind: str, count: int) -> str:
        return f"{kind} not imported: {count} problems found, nothing was written."

    def import_done(
        self, kind: str, dry_run: bool, added: int, updated: int, unchanged: int, deactivated: int
    ) -> str:
        head = "dry run (nothing written)" if dry_run else "imported"
        return (
            f"{kind} {head}: {added} added, {updated} updated, {unchanged} unchanged, "
            f"{deactivated} deactivated."
        )
