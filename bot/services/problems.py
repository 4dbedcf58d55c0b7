"""What a use case refuses to do, with what the message catalogue needs to say why."""

from __future__ import annotations

from typing import Any


class ServiceProblem(Exception):
    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.details = details
