"""Asynchronous client for the Genesys Cloud Platform API, on ``httpx.AsyncClient``.

No widgets and no pandas here: this package only talks HTTP and returns typed models.
"""

from flowwidgets._warnings import UnknownEnumValueWarning
from flowwidgets.api.auth import BearerToken, ClientCredentials, clear_token_cache
from flowwidgets.api.client import GenesysClient
from flowwidgets.api.errors import (
    ApiConnectionError,
    ApiError,
    AuthError,
    BadRequestError,
    ConfigurationError,
    FlowwidgetsError,
    InvalidResponseError,
    LaunchOutcomeUnknownError,
    MissingPermissionError,
    NotFoundError,
    RateLimitError,
    RegionMismatchError,
    ServerError,
    UnauthorizedError,
    error_from_response,
)
from flowwidgets.api.models import (
    AggregateResult,
    AggregateRow,
    Execution,
    ExecutionDataSetting,
    ExecutionHistoryRecord,
    ExecutionStatus,
    Flow,
    FlowVersion,
    InputProperty,
    InputSchema,
    LaunchResult,
    Organization,
    TokenInfo,
)
from flowwidgets.api.regions import REGIONS, Region, resolve_region
from flowwidgets.api.retries import RetryWait

__all__ = [
    "REGIONS",
    "AggregateResult",
    "AggregateRow",
    "ApiConnectionError",
    "ApiError",
    "AuthError",
    "BadRequestError",
    "BearerToken",
    "ClientCredentials",
    "ConfigurationError",
    "Execution",
    "ExecutionDataSetting",
    "ExecutionHistoryRecord",
    "ExecutionStatus",
    "Flow",
    "FlowVersion",
    "FlowwidgetsError",
    "GenesysClient",
    "InputProperty",
    "InputSchema",
    "InvalidResponseError",
    "LaunchOutcomeUnknownError",
    "LaunchResult",
    "MissingPermissionError",
    "NotFoundError",
    "Organization",
    "RateLimitError",
    "Region",
    "RegionMismatchError",
    "RetryWait",
    "ServerError",
    "TokenInfo",
    "UnauthorizedError",
    "UnknownEnumValueWarning",
    "clear_token_cache",
    "error_from_response",
    "resolve_region",
]
