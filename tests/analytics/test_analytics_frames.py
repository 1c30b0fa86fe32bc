"""DataFrame builders on canned Genesys responses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from analytics_support import OTHER_FLOW_ID, WEB_FORM_FLOW_ID

from flowwidgets.analytics import (
    aggregates_frame,
    executions_frame,
    flows_frame,
    history_frame,
    input_schema_frame,
)

Loader = Callable[[str], Any]
BUILDERS = [flows_frame, input_schema_frame, executions_frame, history_frame, aggregates_frame]


@dataclass(frozen=True)
class RawModel:
    """Stands in for a client model: only the ``raw`` dict is read."""

    raw: dict[str, Any]


def test_flows_frame_reads_listing_page(load_fixture: Loader) -> None:
    page = load_fixture("flows_page.json")

    frame = flows_frame(page)

    assert list(frame["flow_id"]) == [WEB_FORM_FLOW_ID, OTHER_FLOW_ID]
    first = frame.iloc[0]
    assert first["type"] == "WORKFLOW"
    assert first["division_name"] == "Home"
    assert first["published_version"] == "3.0"
    assert first["published_at"] == pd.Timestamp("2026-11-20T09:20:00Z")
    assert first["saved_version"] == "4.0"
    assert first["input_count"] == 2


def test_flows_frame_missing_fields_are_na(load_fixture: Loader) -> None:
    page = load_fixture("flows_page.json")

    frame = flows_frame(page)

    unpublished = frame.iloc[1]
    assert pd.isna(unpublished["published_version"])
    assert pd.isna(unpublished["published_at"])
    assert pd.isna(unpublished["description"])
    assert pd.isna(unpublished["input_count"])


def test_flows_frame_accepts_models(load_fixture: Loader) -> None:
    models = [RawModel(entity) for entity in load_fixture("flows_page.json")["entities"]]

    frame = flows_frame(models)

    assert list(frame["name"]) == ["Web form follow-up", "Draft clean-up"]


def test_input_schema_frame_resolves_definitions(load_fixture: Loader) -> None:
    version = load_fixture("flow_version.json")

    frame = input_schema_frame(version).set_index("input")

    assert frame.loc["Flow.orderCount", "arch_type"] == "int"
    assert frame.loc["Flow.isVip", "arch_type"] == "bool"
    assert frame.loc["Flow.isVip", "description"] == "Customer has VIP status"
    assert frame.loc["Flow.tags", "arch_type"] == "str"
    assert bool(frame.loc["Flow.tags", "is_list"])
    assert not bool(frame.loc["Flow.orderCount", "is_list"])
    assert pd.isna(frame.loc["Flow.note", "arch_type"])
    assert set(frame["flow_id"]) == {"6a0e4b53-2c1d-4e8f-9a7b-3c5d7e9f1a2b"}
    assert set(frame["flow_version"]) == {"2.0"}


def test_input_schema_frame_reads_flow_and_execution(load_fixture: Loader) -> None:
    flow = load_fixture("flows_page.json")["entities"][0]
    execution = load_fixture("executions.json")[0]

    from_flow = input_schema_frame(flow)
    from_execution = input_schema_frame(RawModel(execution))

    assert list(from_flow["input"]) == ["Flow.email", "Flow.source"]
    assert set(from_flow["flow_id"]) == {WEB_FORM_FLOW_ID}
    assert set(from_flow["flow_version"]) == {"3.0"}
    assert list(from_execution["input"]) == ["Flow.email", "Flow.source"]
    assert set(from_execution["flow_id"]) == {WEB_FORM_FLOW_ID}


def test_executions_frame_mixed_date_formats(load_fixture: Loader) -> None:
    executions = load_fixture("executions.json")

    frame = executions_frame(executions).set_index("name")

    assert str(frame["launched_at"].dtype) == "datetime64[ns, UTC]"
    assert frame.loc["flowwidgets-run-1", "launched_at"] == pd.Timestamp("2026-11-20T10:05:00.120Z")
    # dateLaunched sent as epoch milliseconds in this record
    assert frame.loc["flowwidgets-run-2", "launched_at"] == pd.Timestamp("2026-11-20T10:10:00Z")
    assert frame.loc["flowwidgets-run-5", "launched_at"] == pd.Timestamp("2026-11-20T11:30:00Z")
    assert frame.loc["flowwidgets-run-1", "duration_s"] == pytest.approx(3.5)


def test_executions_frame_keeps_unknown_status(load_fixture: Loader) -> None:
    executions = load_fixture("executions.json")

    frame = executions_frame(executions)

    categories = list(frame["status"].cat.categories)
    assert categories[:6] == ["UNKNOWN", "RUNNING", "ERROR", "TERMINATED", "COMPLETED", "FAILED"]
    assert "PAUSED" in categories
    assert list(frame["status"].astype(object).iloc[:5]) == [
        "COMPLETED",
        "COMPLETED",
        "FAILED",
        "RUNNING",
        "PAUSED",
    ]
    assert list(frame["is_terminal"].iloc[:5]) == [True, True, True, False, False]


def test_executions_frame_reads_error_and_flow(load_fixture: Loader) -> None:
    executions = load_fixture("executions.json")

    frame = executions_frame(executions).set_index("execution_id")

    failed = frame.loc["c0ffee01-0000-4000-8000-000000000003"]
    assert failed["error_code"] == "error.workflow.expression.unexpectedNull"
    assert "Flow.email" in failed["error_message"]
    assert failed["flow_id"] == WEB_FORM_FLOW_ID
    bare = frame.loc["c0ffee01-0000-4000-8000-000000000009"]
    assert pd.isna(bare["status"])
    assert pd.isna(bare["launched_at"])
    assert pd.isna(bare["flow_id"])


def test_history_frame_reads_page(load_fixture: Loader) -> None:
    page = load_fixture("history_page.json")

    frame = history_frame(page)

    assert len(frame) == 3
    assert list(frame["flow_type"].unique()) == ["workflow"]
    assert frame["started_at"].iloc[1] == pd.Timestamp("2026-11-20T10:10:01Z")
    assert frame["error_reason"].iloc[2] == "error.workflow.expression.unexpectedNull"
    assert pd.isna(frame["ended_at"].iloc[2])


def test_aggregates_frame_reads_grouped_counts(load_fixture: Loader) -> None:
    result = load_fixture("aggregates_hourly.json")

    frame = aggregates_frame(RawModel(result))

    assert len(frame) == 4
    web_form = frame[frame["flow_id"] == WEB_FORM_FLOW_ID]
    assert list(web_form["count"]) == [2, 3, 1]
    assert web_form["interval_start"].iloc[1] == pd.Timestamp("2026-11-20T10:00:00Z")
    assert web_form["interval_end"].iloc[1] == pd.Timestamp("2026-11-20T11:00:00Z")
    assert set(frame["metric"]) == {"nFlowExecutions"}
    assert frame["flow_version"].isna().all()


def test_aggregates_frame_missing_stats_count(load_fixture: Loader) -> None:
    result = load_fixture("aggregates_ungrouped_daily.json")

    frame = aggregates_frame(result)

    assert list(frame["count"].astype(object).fillna(-1)) == [7, -1]
    assert frame["flow_id"].isna().all()


def test_aggregates_frame_without_results_key(load_fixture: Loader) -> None:
    empty = load_fixture("aggregates_empty.json")

    frame = aggregates_frame(empty)

    assert frame.empty
    assert frame.dtypes.equals(aggregates_frame(load_fixture("aggregates_hourly.json")).dtypes)


SAMPLES = {
    "flows_frame": "flows_page.json",
    "input_schema_frame": "flow_version.json",
    "executions_frame": "executions.json",
    "history_frame": "history_page.json",
    "aggregates_frame": "aggregates_hourly.json",
}


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda builder: builder.__name__)
def test_builders_empty_input_keeps_columns(
    builder: Callable[[Any], pd.DataFrame], load_fixture: Loader
) -> None:
    filled = builder(load_fixture(SAMPLES[builder.__name__]))

    empty = builder([])

    assert empty.empty
    assert list(empty.columns) == list(filled.columns)
    for column in empty.columns:
        if isinstance(filled[column].dtype, pd.CategoricalDtype):
            assert isinstance(empty[column].dtype, pd.CategoricalDtype)
        else:
            assert empty[column].dtype == filled[column].dtype, column


def test_builders_reject_unreadable_input() -> None:
    with pytest.raises(TypeError, match="Genesys JSON"):
        executions_frame(42)


def test_executions_frame_odd_date_values(load_fixture: Loader) -> None:
    first = load_fixture("executions.json")[0]
    odd = [
        {**first, "id": "naive", "dateLaunched": "2026-11-20T10:05:00"},
        {**first, "id": "bool", "dateLaunched": True},
        {**first, "id": "digits", "dateLaunched": "1795169400000"},
        {**first, "id": "blank", "dateLaunched": ""},
        {**first, "id": "millis", "dateLaunched": 1795169400000.0},
    ]

    frame = executions_frame(odd).set_index("execution_id")

    assert frame.loc["naive", "launched_at"] == pd.Timestamp("2026-11-20T10:05:00Z")
    assert pd.isna(frame.loc["bool", "launched_at"])
    assert pd.isna(frame.loc["digits", "launched_at"])
    assert pd.isna(frame.loc["blank", "launched_at"])
    assert frame.loc["millis", "launched_at"] == pd.Timestamp("2026-11-20T10:10:00Z")
