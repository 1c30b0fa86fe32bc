"""Launch ledger, tidy DataFrames, reconciliation and plotly figures.

Importing this package imports pandas, but plotly is imported only by the figure functions.
"""

from flowwidgets.analytics._figures import (
    delay_histogram_figure,
    funnel_figure,
    status_figure,
    timeline_figure,
)
from flowwidgets.analytics._frames import (
    aggregates_frame,
    executions_frame,
    flows_frame,
    history_frame,
    input_schema_frame,
)
from flowwidgets.analytics._ledger import (
    DuplicateLaunchError,
    Ledger,
    LedgerEntry,
    LedgerError,
    default_ledger_path,
)
from flowwidgets.analytics._reconcile import (
    PROVISIONAL_AFTER,
    reconcile_executions,
    reconcile_intervals,
)

__all__ = [
    "PROVISIONAL_AFTER",
    "DuplicateLaunchError",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "aggregates_frame",
    "default_ledger_path",
    "delay_histogram_figure",
    "executions_frame",
    "flows_frame",
    "funnel_figure",
    "history_frame",
    "input_schema_frame",
    "reconcile_executions",
    "reconcile_intervals",
    "status_figure",
    "timeline_figure",
]
