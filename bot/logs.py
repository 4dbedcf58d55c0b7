"""Logging for `shuangsuiji run`: the bot token never reaches a log line."""

from __future__ import annotations

import logging


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
