"""Logging for `shuangsuiji run`: the bot token never reaches a log line, and error reports
to the admin chat carry no data."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from telegram.error import TelegramError


class RedactToken(logging.Filter):
    """httpx and PTB log request URLs, which carry the token (…/bot<TOKEN>/getUpdates)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg = message.replace(self.token, "<token>")
                record.args = ()
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the finished line too: exception text (PTB's InvalidToken quotes the token) is
    formatted after the filters have run."""

    def __init__(self, token: str, fmt: str) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line.replace(self.token, "<token>") if self.token else line


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(token: str, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
        handler.setFormatter(RedactingFormatter(token, FORMAT))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll is noise


_ROOT = Path(__file__).resolve().parents[1]


def error_summary(error: BaseException | None) -> str:
    """An error as the admin chat may see it: its type (and the driver's, under a database
    error) and where our code raised it — not its message. A database error's message holds the
    SQL, its parameters or the row's values (confidential assignments, recusal reasons); the
    server log keeps the whole error. Telegram's own messages name no data and are kept."""
    if error is None:
        return "?"
    if isinstance(error, TelegramError):
        return f"{type(error).__name__}: {error.message}"
    names, cause = [type(error).__name__], _cause(error)
    while cause is not None and len(names) < 3:  # SQLAlchemy's, the adapter's, the driver's
        names.append(f"{type(cause).__module__.split('.')[0]}.{type(cause).__name__}")
        cause = _cause(cause)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _ours(f.filename)]
    where = [f"{Path(f.filename).resolve().relative_to(_ROOT)}:{f.lineno} {f.name}" for f in frames]
    shown = where[:1] + where[-1:] if len(where) > 1 else where
    return " ← ".join(names) + (f"（{' → '.join(shown)}）" if shown else "")


def _cause(error: BaseException) -> BaseException | None:
    cause = getattr(error, "orig", None) or error.__cause__
    return cause if isinstance(cause, BaseException) else None


def _ours(filename: str) -> bool:
    path = Path(filename).resolve()
    return (
        filename.endswith(".py")
        and path.is_relative_to(_ROOT)
        and not {"site-packages", ".venv"} & set(path.parts)
    )
