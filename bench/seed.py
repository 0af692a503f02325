"""Fast bulk loading of history for the state-scale benchmark: plain INSERTs (SQLite) or COPY
(PostgreSQL) of rows built from the models, so that columns added later get their defaults."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from tortoise.backends.sqlite import executor as _sqlite_adapters  # noqa: F401  (date adapters)
from tortoise.models import Model

CHUNK = 20_000


def template(model: type[Model], **values: Any) -> dict[str, Any]:
    """Every column of ``model`` as stored for an instance built from ``values`` (defaults for
    the rest). Vary the columns you need per row on a copy of this."""
    instance = model(**values)
    row: dict[str, Any] = {}
    for name, field in model._meta.fields_map.items():
        if name in model._meta.fields_db_projection:
            if field.pk and getattr(instance, name) is None:
                continue
            row[model._meta.fields_db_projection[name]] = field.to_db_value(
                getattr(instance, name), instance
            )
        elif getattr(field, "source_field", None):  # a foreign key: its *_id column
            row[field.source_field] = getattr(instance, field.source_field)
    return row


def insert_sqlite(path: str, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn = sqlite3.connect(path)
    count = 0
    try:
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                conn.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        conn.executemany(sql, chunk)
        count += len(chunk)
        conn.commit()
    finally:
        conn.close()
    return count


async def insert_postgres(
    url: str, table: str, columns: Sequence[str], rows: Iterable[tuple]
) -> int:
    conn = await asyncpg.connect(url)
    count = 0
    try:
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
                count += len(chunk)
                chunk = []
        await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
        count += len(chunk)
        await conn.execute(f"ANALYZE {table}")
        # COPY with explicit ids leaves the id sequence behind: move it past them.
        sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
        if sequence is not None and "id" in columns:
            await conn.execute(
                f"SELECT setval('{sequence}', (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    finally:
        await conn.close()
    return count


async def insert(db_url: str, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    if db_url.startswith("sqlite://"):
        return insert_sqlite(db_url.removeprefix("sqlite://"), table, columns, rows)
    return await insert_postgres(db_url, table, columns, rows)
