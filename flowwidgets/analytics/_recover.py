"""Read what can still be read from a damaged ledger file, without writing to it."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

logger = logging.getLogger("flowwidgets.analytics")

# Row ids are read in blocks, and a block that fails to read is retried one row at a time.
_BLOCK = 256


def _open_read_only(path: Path) -> sqlite3.Connection:
    # immutable=1 stops SQLite from creating -wal or -shm files beside the damaged file.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def _read_salt(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'inputs_salt'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def _max_rowid(connection: sqlite3.Connection) -> int:
    # The table's own b-tree may be the damaged part, so the indexes are asked as well.
    queries = (
        "SELECT max(rowid) FROM launches",
        "SELECT max(rowid) FROM launches INDEXED BY sqlite_autoindex_launches_1",
        "SELECT max(rowid) FROM launches INDEXED BY launches_execution_id",
    )
    found = 0
    for query in queries:
        try:
            row = connection.execute(query).fetchone()
        except sqlite3.DatabaseError:
            continue
        found = max(found, int(row[0] or 0))
    return found


def read_readable_rows(
    path: Path, columns: tuple[str, ...]
) -> tuple[list[tuple[Any, ...]], str | None]:
    """Return the launch rows that can be read from ``path`` and the inputs salt if readable.

    Rows in damaged pages are skipped. A file SQLite cannot open at all gives no rows.
    """
    try:
        connection = _open_read_only(path)
    except sqlite3.Error:
        return [], None

    try:
        salt = _read_salt(connection)
        last = _max_rowid(connection)
        select = f"SELECT {', '.join(columns)} FROM launches WHERE rowid BETWEEN ? AND ?"  # noqa: S608
        rows: list[tuple[Any, ...]] = []
        skipped = 0
        for start in range(1, last + 1, _BLOCK):
            try:
                rows.extend(connection.execute(select, (start, start + _BLOCK - 1)).fetchall())
                continue
            except sqlite3.DatabaseError:
                pass
            for rowid in range(start, start + _BLOCK):
                try:
                    rows.extend(connection.execute(select, (rowid, rowid)).fetchall())
                except sqlite3.DatabaseError:
                    skipped += 1
    finally:
        connection.close()

    if skipped:
        logger.warning("Skipped %d unreadable row ids while recovering %s", skipped, path)
    return rows, salt
