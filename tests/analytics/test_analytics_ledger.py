"""The launch ledger: persistence, concurrent writers, damaged files and unique names."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from analytics_support import WEB_FORM_FLOW_ID, utc, write_launches

from flowwidgets.analytics import (
    DuplicateLaunchError,
    Ledger,
    LedgerError,
    default_ledger_path,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ledger_records_launch_and_outcome(ledger: Ledger) -> None:
    ledger.record_launch(
        "flowwidgets-one",
        WEB_FORM_FLOW_ID,
        flow_version="3.0",
        region="mypurecloud.com",
        organization_id="org-1",
        inputs={"Flow.email": "person@example.com"},
        launched_at=utc("2026-11-20T10:00:00"),
    )

    entry = ledger.record_outcome("flowwidgets-one", "ok", execution_id="exec-1")

    assert entry.launch_outcome == "ok"
    assert entry.execution_id == "exec-1"
    assert entry.flow_version == "3.0"
    assert entry.launched_at == utc("2026-11-20T10:00:00")
    assert entry.region == "mypurecloud.com"
    assert len(ledger) == 1
    assert ledger.find_by_execution_id("exec-1") == entry


def test_ledger_stores_hash_not_input_values(ledger: Ledger) -> None:
    inputs = {"Flow.email": "person@example.com", "Flow.source": "web"}

    entry = ledger.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID, inputs=inputs)

    reordered = {"Flow.source": "web", "Flow.email": "person@example.com"}
    assert entry.inputs_sha256 == ledger.hash_inputs(reordered)
    assert entry.inputs_sha256 != ledger.hash_inputs({"Flow.email": "other@example.com"})
    assert b"person@example.com" not in ledger.path.read_bytes()
    assert entry.inputs_sha256 != hashlib.sha256(b'{"Flow.email":"person@example.com"}').hexdigest()


def test_ledger_duplicate_name_raises_with_entry(ledger: Ledger) -> None:
    ledger.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID, outcome="outcome-unknown")

    with pytest.raises(DuplicateLaunchError) as caught:
        ledger.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID)

    assert caught.value.entry.launch_outcome == "outcome-unknown"
    assert str(ledger.path) in str(caught.value)
    assert isinstance(caught.value, LedgerError)
    assert len(ledger) == 1


def test_ledger_record_status_keeps_first_seen(ledger: Ledger) -> None:
    ledger.record_launch(
        "flowwidgets-one", WEB_FORM_FLOW_ID, launched_at=utc("2026-11-20T10:00:00")
    )
    ledger.record_status(
        "flowwidgets-one",
        status="running",
        in_history=True,
        history_seen_at=utc("2026-11-20T10:01:00"),
    )

    entry = ledger.record_status(
        "flowwidgets-one",
        status="COMPLETED",
        finished_at=utc("2026-11-20T10:00:05"),
        history_seen_at=utc("2026-11-20T10:30:00"),
        counted=True,
        counted_at=utc("2026-11-20T10:20:00"),
    )

    assert entry.status == "COMPLETED"
    assert entry.in_history is True
    assert entry.history_seen_at == utc("2026-11-20T10:01:00")
    assert entry.counted is True
    assert entry.counted_at == utc("2026-11-20T10:20:00")
    assert entry.finished_at == utc("2026-11-20T10:00:05")


def test_ledger_update_of_unknown_name_raises(ledger: Ledger) -> None:
    with pytest.raises(KeyError, match="flowwidgets-missing"):
        ledger.record_outcome("flowwidgets-missing", "ok")


def test_ledger_rejects_unknown_outcome(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="outcome must be one of"):
        ledger.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID, outcome="accepted")


def test_ledger_frame_types(recorded_ledger: Ledger) -> None:
    frame = recorded_ledger.frame()

    assert len(frame) == 7
    assert str(frame["launched_at"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)
    assert str(frame["in_history"].dtype) == "boolean"
    assert frame["launched_at"].is_monotonic_increasing
    assert set(frame["launch_outcome"]) == {"ok", "error", "outcome-unknown"}


def test_ledger_empty_frame_keeps_columns(ledger: Ledger, recorded_ledger: Ledger) -> None:
    filled = recorded_ledger.frame()
    with Ledger(ledger.path.with_name("other.sqlite3")) as empty_ledger:
        empty = empty_ledger.frame()

    assert empty.empty
    assert list(empty.columns) == list(filled.columns)
    assert str(empty["launched_at"].dtype) == "datetime64[ns, UTC]"


def test_ledger_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as first_kernel:
        first_kernel.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID, inputs={"a": 1})
        salted = first_kernel.hash_inputs({"a": 1})

    with Ledger(path) as second_kernel:
        entry = second_kernel.find_by_name("flowwidgets-one")
        rehashed = second_kernel.hash_inputs({"a": 1})

    assert entry is not None
    assert entry.flow_id == WEB_FORM_FLOW_ID
    assert rehashed == salted


def test_ledger_concurrent_writers_keep_all_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    rows_each = 150
    writers = [
        context.Process(target=write_launches, args=(str(path), prefix, rows_each, start))
        for prefix in ("kernel-a", "kernel-b")
    ]
    for writer in writers:
        writer.start()

    start.set()
    for writer in writers:
        writer.join(timeout=120)

    assert [writer.exitcode for writer in writers] == [0, 0]
    with Ledger(path) as ledger:
        frame = ledger.frame()
    assert len(frame) == 2 * rows_each
    assert frame["name"].is_unique
    assert set(frame["launch_outcome"]) == {"ok"}


def test_ledger_creates_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "ledger.sqlite3"

    with Ledger(path) as ledger:
        ledger.record_launch("flowwidgets-one", WEB_FORM_FLOW_ID)

    assert path.is_file()


def test_ledger_unusable_directory_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")

    with pytest.raises(LedgerError) as caught:
        Ledger(blocker / "ledger.sqlite3")

    assert str(blocker / "ledger.sqlite3") in str(caught.value)
    assert "FLOWWIDGETS_LEDGER" in caught.value.fix


def test_ledger_missing_file_without_create_raises(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"

    with pytest.raises(LedgerError, match="no ledger file found") as caught:
        Ledger(path, create=False)

    assert caught.value.path == path
    assert not path.exists()


def test_ledger_garbage_file_raises_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"this is not an SQLite database\n" * 200)
    before = _digest(path)

    with pytest.raises(LedgerError) as caught:
        Ledger(path)

    assert str(path) in str(caught.value)
    assert "Ledger.recover" in caught.value.fix
    assert _digest(path) == before
    assert sorted(item.name for item in tmp_path.iterdir()) == ["ledger.sqlite3"]


def test_ledger_foreign_database_raises(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()

    with pytest.raises(LedgerError, match="not a flowwidgets ledger"):
        Ledger(path)


def _corrupt_middle_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    pages = len(data) // page_size
    for page in range(pages // 2, pages // 2 + 2):
        offset = page * page_size
        data[offset : offset + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))


def test_ledger_corrupt_pages_raise_and_recover(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        for number in range(400):
            ledger.record_launch(
                f"flowwidgets-{number:04d}", WEB_FORM_FLOW_ID, inputs={"n": number}
            )
    _corrupt_middle_pages(path)
    before = _digest(path)

    with pytest.raises(LedgerError, match="corrupt"):
        Ledger(path)
    with Ledger.recover(path) as recovered:
        count = len(recovered)
        names = set(recovered.frame()["name"])

    assert 0 < count <= 400
    assert names <= {f"flowwidgets-{number:04d}" for number in range(400)}
    assert _digest(path) == before
    assert path.with_suffix(".recovered.sqlite3").is_file()


def test_ledger_recover_refuses_existing_target(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"")

    with pytest.raises(LedgerError, match="exists already"):
        Ledger.recover(path, target)


def test_ledger_recover_unreadable_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"\x00garbage" * 1000)

    with pytest.raises(LedgerError, match="no launch could be read"):
        Ledger.recover(path)


def test_default_ledger_path_follows_environment(tmp_path: Path) -> None:
    explicit = default_ledger_path({"FLOWWIDGETS_LEDGER": str(tmp_path / "mine.sqlite3")})
    xdg = default_ledger_path({"XDG_DATA_HOME": str(tmp_path / "data")})
    fallback = default_ledger_path({})

    assert explicit == tmp_path / "mine.sqlite3"
    assert xdg == tmp_path / "data" / "flowwidgets" / "ledger.sqlite3"
    assert fallback == Path.home() / ".local" / "share" / "flowwidgets" / "ledger.sqlite3"
