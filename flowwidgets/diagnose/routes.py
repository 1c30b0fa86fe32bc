"""Platform API routes and region hosts the checks compare a request against."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

LAUNCH_PATH = "/api/v2/flows/executions"
FLOW_EXECUTION_AGGREGATES_PATH = "/api/v2/analytics/flowexecutions/aggregates/query"
HISTORY_QUERY_PATH = "/api/v2/flows/instances/query"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a route, not a secret


@dataclass(frozen=True)
class Route:
    """A known Platform API route; ``{id}`` matches one path segment."""

    method: str
    template: str
    purpose: str

    def matches(self, path: str) -> bool:
        """Return whether ``path`` is this route."""
        pattern = "^" + re.escape(self.template).replace(r"\{id\}", "[^/]+") + "/?$"
        return re.match(pattern, path) is not None


KNOWN_ROUTES: tuple[Route, ...] = (
    Route("POST", LAUNCH_PATH, "launch a flow"),
    Route("GET", "/api/v2/flows/executions/{id}", "read an execution"),
    Route("GET", "/api/v2/flows", "list flows"),
    Route("GET", "/api/v2/flows/divisionviews", "list flows by division"),
    Route("GET", "/api/v2/flows/{id}", "read a flow"),
    Route("GET", "/api/v2/flows/{id}/versions", "list flow versions"),
    Route("GET", "/api/v2/flows/{id}/versions/{id}", "read a flow version"),
    Route(
        "GET", "/api/v2/flows/{id}/versions/{id}/configuration", "read a flow version configuration"
    ),
    Route("GET", "/api/v2/flows/{id}/latestconfiguration", "read the latest flow configuration"),
    Route(
        "GET", "/api/v2/flows/instances/settings/executiondata", "read the execution-data setting"
    ),
    Route(
        "PATCH",
        "/api/v2/flows/instances/settings/executiondata",
        "change the execution-data setting",
    ),
    Route("POST", HISTORY_QUERY_PATH, "query execution history"),
    Route(
        "GET", "/api/v2/flows/instances/querycapabilities", "list execution history query criteria"
    ),
    Route("POST", "/api/v2/flows/instances/jobs", "start an execution history download"),
    Route("GET", "/api/v2/flows/instances/jobs/{id}", "read an execution history download"),
    Route("GET", "/api/v2/flows/instances/{id}", "download one execution history record"),
    Route("POST", FLOW_EXECUTION_AGGREGATES_PATH, "count flow executions"),
    Route(
        "POST",
        "/api/v2/analytics/flowexecutions/aggregates/jobs",
        "count flow executions asynchronously",
    ),
    Route("GET", "/api/v2/tokens/me", "read the token's organization and OAuth client"),
    Route("GET", "/api/v2/organizations/me", "read the organization"),
    Route("POST", TOKEN_PATH, "get an access token"),
)

#: Conversation-based analytics routes. API-launched workflows have no conversation,
#: so these count nothing for them.
CONVERSATION_ANALYTICS_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/v2/analytics/flows/aggregates/query", "conversation-based flow aggregates"),
    Route(
        "POST", "/api/v2/analytics/flows/observations/query", "conversation-based flow observations"
    ),
    Route("POST", "/api/v2/analytics/flows/activity/query", "conversation-based flow activity"),
    Route("POST", "/api/v2/analytics/conversations/aggregates/query", "conversation aggregates"),
    Route("POST", "/api/v2/analytics/conversations/details/query", "conversation details"),
    Route("POST", "/api/v2/analytics/conversations/details/jobs", "conversation details jobs"),
)

_UUID_SEGMENT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}$")


def find_route(path: str, routes: tuple[Route, ...] = KNOWN_ROUTES) -> Route | None:
    """Return the route ``path`` is, or ``None``."""
    return next((route for route in routes if route.matches(path)), None)


def closest_route(path: str) -> Route:
    """Return the known route closest to ``path``, or the launch route when none is close."""
    generic = "/".join(
        "{id}" if _UUID_SEGMENT.match(segment) else segment for segment in path.split("/")
    )
    templates = {route.template: route for route in KNOWN_ROUTES}
    matches = difflib.get_close_matches(
        generic.rstrip("/").lower(), list(templates), n=1, cutoff=0.6
    )
    return templates[matches[0]] if matches else KNOWN_ROUTES[0]


def region_domains() -> dict[str, str]:
    """Return ``{domain: region name}`` for every region in the client's region table.

    Names are AWS-style with hyphens (``ap-southeast-2``), as people write them.
    """
    from flowwidgets.api import REGIONS

    regions = REGIONS.values() if isinstance(REGIONS, dict) else REGIONS
    return {region.domain: region.name.replace("_", "-") for region in regions}


def closest_api_host(host: str) -> str | None:
    """Return the real ``api.<domain>`` host a wrong host most likely meant, or ``None``."""
    domains = region_domains()
    rest = host.split(".", 1)[1] if host.startswith(("login.", "apps.", "api.")) else host
    if rest in domains:
        return f"api.{rest}"
    matches = difflib.get_close_matches(rest, list(domains), n=1, cutoff=0.75)
    return f"api.{matches[0]}" if matches else None
