"""Many rows into one table at once: an import writes two rows per line of its sheet, a city
draw tens of thousands of assignments.

On SQLite the rows go straight to the driver's executemany, each value converted by the
column type's own SQLAlchemy bind processor (dates, booleans, JSON): building each row's
parameters cost SQLAlchemy more than SQLite took to store the row. Elsewhere, and whenever a
column the rows leave out has a default to compute, Core's executemany does it all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import DeclarativeBase


def table_of(model: type[DeclarativeBase]) -> Table:
    """A mapped class's table (SQLAlchemy types ``__table__`` as any FROM clause)."""
    table = model.__table__
    assert isinstance(table, Table), f"{model.__name__} is not mapped to one table"
    return table


async def insert_rows(
    connection: AsyncConnection, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT ``rows`` (all with the keys of the first) into ``table``, in the connection's
    transaction."""
    if not rows:
        return
    names = list(rows[0])
    omitted = [c for c in table.columns if c.name not in names]
    if connection.dialect.name != "sqlite" or any(
        c.default is not None or c.server_default is not None for c in omitted
    ):
        await connection.execute(insert(table), list(rows))
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    types = [table.c[n].type for n in names]
    converts = [t.dialect_impl(dialect).bind_processor(dialect) for t in types]
    # As Core does: None is SQL NULL unless the type stores it (JSON's 'null').
    keeps_none = [t.should_evaluate_none for t in types]
    columns = list(zip(names, converts, keeps_none, strict=True))
    params = [
        tuple(
            None
            if (value := row[name]) is None and not keep
            else convert(value)
            if convert
            else value
            for name, convert, keep in columns
        )
        for row in rows
    ]
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # aiosqlite's connection, while the transaction holds it
    await driver.executemany(sql, params)
