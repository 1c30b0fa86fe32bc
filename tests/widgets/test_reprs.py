"""The text/plain output of every widget is stable, so nbval can compare saved notebooks."""

from __future__ import annotations

import pytest

from flowwidgets.widgets import (
    AnalyticsPanel,
    AuthCell,
    FlowPicker,
    LaunchButton,
    LaunchForm,
    StatusMonitor,
    Troubleshooter,
)


@pytest.mark.parametrize(
    ("make_widget", "expected"),
    [
        (lambda: AuthCell(mode="sandbox"), "<AuthCell not connected>"),
        (FlowPicker, "<FlowPicker 0 flows loaded, 0 shown>"),
        (LaunchForm, "<LaunchForm no flow selected>"),
        (LaunchButton, "<LaunchButton 0 launched>"),
        (StatusMonitor, "<StatusMonitor no executions>"),
        (AnalyticsPanel, "<AnalyticsPanel 0 history records, 0 counted>"),
        (Troubleshooter, "<Troubleshooter not connected: 0 findings>"),
    ],
)
def test_widget_plain_text_output_is_stable(make_widget, expected) -> None:
    widget = make_widget()

    bundle = widget._repr_mimebundle_()

    assert bundle["text/plain"] == expected
    assert "application/vnd.jupyter.widget-view+json" in bundle
