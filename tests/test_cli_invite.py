"""`shuangsuiji invite` is the operator's: it may invite anyone in the directory, admins
included (the first city admin gets his code this way); chat /invite is bounded by role."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.factories import run_cli


def _cert_of(database: Path, role: str) -> str:
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "select cert_no from inspectors where role = ? order by cert_no", (role,)
        ).fetchone()
    return str(row[0])


@pytest.mark.parametrize("role", ["admin", "county_admin", "lead"])
def test_operator_invites_anyone_of_the_directory(
    database: Path, capsys: pytest.CaptureFixture[str], role: str
) -> None:
    run_cli(capsys, "demo")
    cert_no = _cert_of(database, role)
    code, _ = run_cli(capsys, "invite", cert_no)
    assert code == 0
    with sqlite3.connect(database) as connection:
        invited = connection.execute("select cert_no, created_by from invites").fetchall()
    assert invited == [(cert_no, "cli")]
