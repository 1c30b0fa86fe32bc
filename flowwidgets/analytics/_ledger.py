"""The launch ledger: a local SQLite record of every launch made through flowwidgets."""

from __future__ import annotations

import hashlib
import json
import logging
import operator
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from flowwidgets.analytics._convert import STRING_DTYPE, UTC_DTYPE, status_categorical

logger = logging.getLogger("flowwidgets.analytics")

SCHEMA_VERSION = 1

#: Values of ``launch_outcome``: ``pending`` is written before the launch request is sent.
LAUNCH_OUTCOMES = ("pending", "ok", "error", "outcome-unknown")

_CREATE_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS launches (
        name TEXT PRIMARY KEY,
        execution_id TEXT,
        flow_id TEXT NOT NULL,
        flow_version TEXT,
        region TEXT,
        organization_id TEXT,
        launched_at TEXT NOT NULL,
        inputs_sha256 TEXT,
        launch_outcome TEXT NOT NULL,
        launch_error_code TEXT,
        status TEXT,
        finished_at TEXT,
        error_code TEXT,
        in_history INTEGER,
        history_seen_at TEXT,
        counted INTEGER,
        counted_at TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS launches_execution_id ON launches (execution_id)",
)

_BUSY_TIMEOUT_S = 30.0

_CORRUPT_FIX = (
    "The file was left as it is. Copy the readable launches to a new file with "
    "flowwidgets.analytics.Ledger.recover(path), then use the new file"
)


class LedgerError(Exception):
    """A ledger file is missing, unreadable or corrupt, or a write to it failed.

    ``path`` is the ledger file and ``fix`` says what to do. The message contains both.
    """

    def __init__(self, message: str, *, path: Path, fix: str) -> None:
        super().__init__(f"{message} (ledger file: {path}). {fix}")
        self.path = path
        self.fix = fix


class DuplicateLaunchError(LedgerError):
    """A launch with this execution name is already in the ledger, given as ``entry``."""

    def __init__(self, entry: LedgerEntry, *, path: Path) -> None:
        super().__init__(
            f"a launch named {entry.name!r} is already recorded "
            f"(outcome {entry.launch_outcome}, execution id {entry.execution_id or 'unknown'})",
            path=path,
            fix=(
                "Look that execution up before launching again, or launch with a new name. "
                "A retry after an unknown outcome must reuse the name so it runs at most once"
            ),
        )
        self.entry = entry


@dataclass(frozen=True)
class LedgerEntry:
    """One launch as stored in the ledger, with timezone-aware UTC datetimes."""

    name: str
    execution_id: str | None
    flow_id: str
    flow_version: str | None
    region: str | None
    organization_id: str | None
    launched_at: datetime
    inputs_sha256: str | None
    launch_outcome: str
    launch_error_code: str | None
    status: str | None
    finished_at: datetime | None
    error_code: str | None
    in_history: bool | None
    history_seen_at: datetime | None
    counted: bool | None
    counted_at: datetime | None
    updated_at: datetime


_COLUMNS = tuple(field.name for field in fields(LedgerEntry))
_SELECT_UNORDERED = f"SELECT {', '.join(_COLUMNS)} FROM launches"  # noqa: S608
_SELECT_ALL = f"{_SELECT_UNORDERED} ORDER BY launched_at, name"
_DATETIME_COLUMNS = ("launched_at", "finished_at", "history_seen_at", "counted_at", "updated_at")
_BOOL_COLUMNS = ("in_history", "counted")
_BY_NAME = operator.itemgetter(_COLUMNS.index("name"))
_BY_LAUNCHED_AT = operator.itemgetter(_COLUMNS.index("launched_at"))


def default_ledger_path(env: Mapping[str, str] | None = None) -> Path:
    """Return ``$FLOWWIDGETS_LEDGER``, else ``$XDG_DATA_HOME/flowwidgets/ledger.sqlite3``.

    ``XDG_DATA_HOME`` defaults to ``~/.local/share``.
    """
    env = os.environ if env is None else env
    if env.get("FLOWWIDGETS_LEDGER"):
        return Path(env["FLOWWIDGETS_LEDGER"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "flowwidgets" / "ledger.sqlite3"


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _entry_from_row(row: sqlite3.Row) -> LedgerEntry:
    values: dict[str, Any] = dict(zip(_COLUMNS, tuple(row), strict=True))
    for column in _DATETIME_COLUMNS:
        if values[column] is not None:
            values[column] = datetime.fromisoformat(values[column])
    for column in _BOOL_COLUMNS:
        if values[column] is not None:
            values[column] = bool(values[column])
    return LedgerEntry(**values)


class Ledger:
    """Record every launch made through flowwidgets in a local SQLite file.

    The file survives kernel restarts, and several kernels (processes) may write to it at
    once: it runs in WAL mode with a busy timeout, and every write is one short
    transaction. Input values are never stored, only a salted SHA-256 of their
    canonical JSON, so two launches with the same inputs can be recognised.

    Execution names are unique, and ``record_launch`` raises :class:`DuplicateLaunchError`
    for a name already recorded. A caller that records each launch under its name before
    sending it gets that error on a retry after an unknown outcome, before the request
    reaches the API, so each name is launched at most once by such a caller.

    Parameters
    ----------
    path
        The ledger file, or ``None`` for :func:`default_ledger_path`. A missing parent
        directory is created.
    create
        When false, a missing file raises :class:`LedgerError` instead of being created.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()
        self._lock = threading.Lock()
        self._connection = self._open(create)
        self._salt = self._read_or_create_salt()

    def __repr__(self) -> str:
        return f"Ledger(path={str(self.path)!r})"

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return int(self._query_one("SELECT count(*) FROM launches")[0])

    def close(self) -> None:
        """Close the SQLite connection, after which the ledger cannot be used."""
        with self._lock:
            self._connection.close()

    # -- opening -----------------------------------------------------------------------------

    def _open(self, create: bool) -> sqlite3.Connection:
        exists = self.path.exists()
        if not exists and not create:
            raise LedgerError(
                "no ledger file found",
                path=self.path,
                fix="Pass the path used when launching, or set FLOWWIDGETS_LEDGER to it",
            )
        if exists and not self.path.is_file():
            raise LedgerError(
                "the ledger path is not a file",
                path=self.path,
                fix="Pass the path of a file, for example ledger.sqlite3 inside that directory",
            )
        if not exists:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise LedgerError(
                    f"cannot create the ledger directory: {error.strerror or error}",
                    path=self.path,
                    fix="Choose a path in a writable directory, or set FLOWWIDGETS_LEDGER",
                ) from error

        try:
            connection = sqlite3.connect(
                self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise LedgerError(
                f"cannot open the ledger: {error}",
                path=self.path,
                fix="Check that the file and its directory are readable and writable",
            ) from error

        try:
            self._check_and_prepare(connection, exists)
        except BaseException:
            connection.close()
            raise
        return connection

    def _check_and_prepare(self, connection: sqlite3.Connection, existed: bool) -> None:
        try:
            if existed and self.path.stat().st_size > 0:
                # Read-only checks run first, so a file found damaged is not written to.
                result = connection.execute("PRAGMA quick_check").fetchone()[0]
                if result != "ok":
                    raise LedgerError(
                        f"the ledger is corrupt: {result}", path=self.path, fix=_CORRUPT_FIX
                    )
                tables = {
                    row[0]
                    for row in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type='table'"
                    )
                }
                if tables and not {"meta", "launches"} <= tables:
                    raise LedgerError(
                        "the file is an SQLite database but not a flowwidgets ledger",
                        path=self.path,
                        fix="Pass another path. This file was left as it is",
                    )

            connection.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            with _Transaction(connection):
                for statement in _CREATE_STATEMENTS:
                    connection.execute(statement)
                connection.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.OperationalError as error:
            raise LedgerError(
                f"preparing the ledger failed: {error}",
                path=self.path,
                fix=(
                    "Check that the file and its directory are writable and that no stuck "
                    "process holds a lock on it, then retry"
                ),
            ) from error
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                f"the ledger is corrupt or not a database: {error}",
                path=self.path,
                fix=_CORRUPT_FIX,
            ) from error

    def _read_or_create_salt(self) -> str:
        with self._lock, _Transaction(self._connection):
            self._connection.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('inputs_salt', ?)",
                (secrets.token_hex(16),),
            )
            row = self._connection.execute(
                "SELECT value FROM meta WHERE key='inputs_salt'"
            ).fetchone()
        return str(row[0])

    # -- writing -----------------------------------------------------------------------------

    def hash_inputs(self, inputs: Mapping[str, Any] | None) -> str | None:
        """Return the salted SHA-256 of the inputs' canonical JSON, or ``None`` for no inputs.

        Canonical JSON has sorted keys, no spaces and UTF-8 text, so the same inputs give
        the same hash within one ledger file. Each file has its own salt.
        """
        if inputs is None:
            return None
        canonical = json.dumps(
            inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
        return hashlib.sha256((self._salt + canonical).encode("utf-8")).hexdigest()

    def record_launch(
        self,
        name: str,
        flow_id: str,
        *,
        flow_version: str | None = None,
        region: str | None = None,
        organization_id: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        launched_at: datetime | None = None,
        execution_id: str | None = None,
        outcome: str = "pending",
        error_code: str | None = None,
    ) -> LedgerEntry:
        """Insert a launch and return it as stored.

        Call it before sending ``POST /api/v2/flows/executions`` (outcome ``pending``)
        and then :meth:`record_outcome`, or once afterwards with the outcome and execution
        id. ``inputs`` are hashed, never stored.

        Raises
        ------
        DuplicateLaunchError
            A launch with this name is already recorded. The error carries it as ``entry``.
        """
        if outcome not in LAUNCH_OUTCOMES:
            raise ValueError(
                f"outcome must be one of {', '.join(LAUNCH_OUTCOMES)}, got {outcome!r}"
            )
        now = _now()
        values = (
            name,
            execution_id,
            flow_id,
            flow_version,
            region,
            organization_id,
            _iso(launched_at or now),
            self.hash_inputs(inputs),
            outcome,
            error_code,
            _iso(now),
        )
        try:
            self._execute(
                "INSERT INTO launches (name, execution_id, flow_id, flow_version, region, "
                "organization_id, launched_at, inputs_sha256, launch_outcome, launch_error_code, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        except sqlite3.IntegrityError as error:
            existing = self.find_by_name(name)
            if existing is None:
                raise
            raise DuplicateLaunchError(existing, path=self.path) from error

        logger.debug("Recorded launch %s of flow %s (%s)", name, flow_id, outcome)
        return self._require(name)

    def record_outcome(
        self,
        name: str,
        outcome: str,
        *,
        execution_id: str | None = None,
        flow_version: str | None = None,
        error_code: str | None = None,
    ) -> LedgerEntry:
        """Store the outcome of the launch call: ``ok``, ``error`` or ``outcome-unknown``.

        ``execution_id`` and ``flow_version`` come from the launch response, and
        ``error_code`` is the ErrorBody ``code`` of a failed launch. ``pending`` resets a
        launch before it is sent again.
        """
        if outcome not in LAUNCH_OUTCOMES:
            raise ValueError(
                f"outcome must be one of {', '.join(LAUNCH_OUTCOMES)}, got {outcome!r}"
            )
        self._update(
            name,
            {
                "launch_outcome": outcome,
                "execution_id": execution_id,
                "flow_version": flow_version,
                "launch_error_code": error_code,
            },
            keep_missing=("execution_id", "flow_version"),
        )
        return self._require(name)

    def record_status(
        self,
        name: str,
        *,
        status: str | None = None,
        finished_at: datetime | None = None,
        error_code: str | None = None,
        in_history: bool | None = None,
        history_seen_at: datetime | None = None,
        counted: bool | None = None,
        counted_at: datetime | None = None,
        execution_id: str | None = None,
    ) -> LedgerEntry:
        """Store what was later observed about a launch, leaving ``None`` fields unchanged.

        ``history_seen_at`` and ``counted_at`` keep the first time they were recorded, so
        the delay until an execution became visible is not moved by later polls.
        """
        changes: dict[str, Any] = {
            "status": status.upper() if isinstance(status, str) else None,
            "finished_at": _iso(finished_at),
            "error_code": error_code,
            "in_history": None if in_history is None else int(in_history),
            "counted": None if counted is None else int(counted),
            "execution_id": execution_id,
        }
        self._update(name, {key: value for key, value in changes.items() if value is not None})
        first_seen = {"history_seen_at": _iso(history_seen_at), "counted_at": _iso(counted_at)}
        for column, value in first_seen.items():
            if value is not None:
                self._execute(
                    f"UPDATE launches SET {column} = ? WHERE name = ? AND {column} IS NULL",  # noqa: S608
                    (value, name),
                )
        return self._require(name)

    def _update(
        self, name: str, changes: dict[str, Any], keep_missing: tuple[str, ...] = ()
    ) -> None:
        changes = {
            key: value
            for key, value in changes.items()
            if not (key in keep_missing and value is None)
        }
        changes["updated_at"] = _iso(_now())
        assignments = ", ".join(f"{column} = ?" for column in changes)
        cursor = self._execute(
            f"UPDATE launches SET {assignments} WHERE name = ?",  # noqa: S608
            (*changes.values(), name),
        )
        if cursor.rowcount == 0:
            raise KeyError(f"no launch named {name!r} in the ledger at {self.path}")

    def _execute(self, sql: str, parameters: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            with self._lock, _Transaction(self._connection):
                return self._connection.execute(sql, parameters)
        except sqlite3.IntegrityError:
            raise
        except sqlite3.OperationalError as error:
            raise LedgerError(
                f"writing to the ledger failed: {error}",
                path=self.path,
                fix="Check that the file is writable and not locked by a stuck process, then retry",
            ) from error
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                f"the ledger became corrupt: {error}", path=self.path, fix=_CORRUPT_FIX
            ) from error

    # -- reading -----------------------------------------------------------------------------

    def _fetch_all(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        try:
            with self._lock:
                return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                f"reading the ledger failed: {error}", path=self.path, fix=_CORRUPT_FIX
            ) from error

    def _query_one(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        rows = self._fetch_all(sql, parameters)
        return rows[0] if rows else None

    def _require(self, name: str) -> LedgerEntry:
        entry = self.find_by_name(name)
        if entry is None:
            raise KeyError(f"no launch named {name!r} in the ledger at {self.path}")
        return entry

    def find_by_name(self, name: str) -> LedgerEntry | None:
        """Return the launch recorded under this execution name, or ``None``."""
        row = self._query_one(f"SELECT {', '.join(_COLUMNS)} FROM launches WHERE name = ?", (name,))  # noqa: S608
        return None if row is None else _entry_from_row(row)

    def find_by_execution_id(self, execution_id: str) -> LedgerEntry | None:
        """Return the launch whose execution id is ``execution_id``, or ``None``."""
        row = self._query_one(
            f"SELECT {', '.join(_COLUMNS)} FROM launches WHERE execution_id = ?",  # noqa: S608
            (execution_id,),
        )
        return None if row is None else _entry_from_row(row)

    def __iter__(self) -> Iterator[LedgerEntry]:
        rows = self._fetch_all(_SELECT_ALL)
        return (_entry_from_row(row) for row in rows)

    def frame(self) -> pd.DataFrame:
        """Return every launch as a DataFrame, oldest first.

        Columns are the fields of :class:`LedgerEntry`: text columns as ``string``,
        datetimes as UTC, ``status`` categorical, ``in_history`` and ``counted`` as
        nullable booleans.
        """
        return ledger_rows_frame(self._rows_oldest_first())

    def _rows_oldest_first(self) -> list[Any]:
        """Return every row in the order of ``ORDER BY launched_at, name``.

        Launches are mostly inserted in time order, so sorting in Python is close to one
        pass, while SQLite would sort every row. Two stable sorts give the same order as
        SQLite's binary collation on text, because UTF-8 bytes sort as code points do.
        """
        rows = self._fetch_all(_SELECT_UNORDERED)
        try:
            rows.sort(key=_BY_NAME)
            rows.sort(key=_BY_LAUNCHED_AT)
        except TypeError:
            # A NULL or non-text key cannot be compared in Python, so SQLite sorts instead.
            rows = self._fetch_all(_SELECT_ALL)
        return rows

    # -- recovery ----------------------------------------------------------------------------

    @classmethod
    def recover(
        cls, path: str | os.PathLike[str], new_path: str | os.PathLike[str] | None = None
    ) -> Ledger:
        """Copy every readable launch of a damaged ledger into a new ledger file and open it.

        The damaged file is only read, never changed or moved. ``new_path`` defaults to
        ``<name>.recovered.sqlite3`` beside it and must not exist yet.

        Raises
        ------
        LedgerError
            ``new_path`` exists already, or not a single launch could be read.
        """
        from flowwidgets.analytics._recover import read_readable_rows

        source = Path(path)
        target = (
            Path(new_path) if new_path is not None else source.with_suffix(".recovered.sqlite3")
        )
        if target.exists():
            raise LedgerError(
                "the recovery target exists already",
                path=target,
                fix="Pass a new_path that does not exist yet",
            )

        rows, salt = read_readable_rows(source, _COLUMNS)
        if not rows:
            raise LedgerError(
                "no launch could be read from the damaged ledger",
                path=source,
                fix="Restore the file from a backup if there is one. It was left as it is",
            )

        ledger = cls(target)
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with ledger._lock, _Transaction(ledger._connection):
            if salt is not None:
                ledger._connection.execute(
                    "UPDATE meta SET value = ? WHERE key = 'inputs_salt'", (salt,)
                )
            ledger._connection.executemany(
                f"INSERT OR IGNORE INTO launches ({', '.join(_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )
        if salt is not None:
            ledger._salt = salt
        logger.warning("Recovered %d launches from %s into %s", len(rows), source, target)
        return ledger


class _Transaction:
    """Run statements in one ``BEGIN IMMEDIATE`` transaction on an autocommit connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __enter__(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._connection.execute("ROLLBACK")
            return
        try:
            self._connection.execute("COMMIT")
        except sqlite3.Error:
            # A failed COMMIT leaves the transaction open, which would block every later write.
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            raise


LEDGER_COLUMNS: dict[str, Any] = {
    **dict.fromkeys(_COLUMNS, STRING_DTYPE),
    **dict.fromkeys(_DATETIME_COLUMNS, UTC_DTYPE),
    **dict.fromkeys(_BOOL_COLUMNS, "boolean"),
}


def ledger_rows_frame(rows: list[Any]) -> pd.DataFrame:
    """Build the ledger DataFrame from rows in :class:`LedgerEntry` field order."""
    # One object block contains every column, each a contiguous row of the block.
    block = pd.DataFrame(rows, columns=list(_COLUMNS), dtype=object)
    data: dict[str, Any] = {}
    for column in _COLUMNS:
        values = block[column].to_numpy()
        if column in _DATETIME_COLUMNS:
            # The ledger writes every time with _iso, so the strings share one format.
            parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
            data[column] = pd.Series(parsed, copy=False).astype(UTC_DTYPE)
        elif column == "status":
            data[column] = status_categorical(pd.Series(values, copy=False))
        elif column in _BOOL_COLUMNS:
            data[column] = pd.Series(values, copy=False).astype("boolean")
        else:
            data[column] = pd.Series(pd.array(values, dtype=STRING_DTYPE), copy=False)
    return pd.DataFrame(data)
