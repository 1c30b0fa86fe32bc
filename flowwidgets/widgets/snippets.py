"""Plain functions that build a launch request body and show it as curl, httpx and fetch code.

Every snippet carries the placeholder ``<token>`` in place of an access
token, so a snippet can be copied, shared or saved with the notebook.
"""

from __future__ import annotations

import json
import pprint
import shlex
from typing import Any

LAUNCH_PATH = "/api/v2/flows/executions"
TOKEN_PLACEHOLDER = "<token>"  # noqa: S105 -- shown in place of the real token


def build_launch_body(
    flow_id: str,
    input_data: dict[str, Any] | None = None,
    flow_version: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Build the JSON body of ``POST /api/v2/flows/executions``.

    Only the four fields the launch accepts are used: ``flowId``,
    ``flowVersion``, ``inputData`` and ``name``. The optional ones are left
    out when they are ``None``, and ``inputData`` also when it is empty.
    """
    body: dict[str, Any] = {"flowId": flow_id}
    if flow_version:
        body["flowVersion"] = flow_version
    if input_data:
        body["inputData"] = dict(input_data)
    if name:
        body["name"] = name
    return body


def _launch_url(api_base_url: str) -> str:
    return api_base_url.rstrip("/") + LAUNCH_PATH


def request_as_curl(body: dict[str, Any], api_base_url: str) -> str:
    """Return a curl command line that sends ``body`` to the launch endpoint.

    Parameters
    ----------
    body
        The launch body, e.g. from :func:`build_launch_body`.
    api_base_url
        The API base URL, e.g. ``"https://api.mypurecloud.com"``.
    """
    payload = json.dumps(body, indent=2, ensure_ascii=False)
    lines = [
        f"curl -X POST {shlex.quote(_launch_url(api_base_url))} \\",
        f"  -H {shlex.quote('Authorization: Bearer ' + TOKEN_PLACEHOLDER)} \\",
        "  -H 'Content-Type: application/json' \\",
        "  -H 'Accept: application/json' \\",
        f"  --data-raw {shlex.quote(payload)}",
    ]
    return "\n".join(lines)


def request_as_httpx(body: dict[str, Any], api_base_url: str) -> str:
    """Return Python code that sends ``body`` to the launch endpoint with httpx."""
    literal = pprint.pformat(body, indent=1, width=88, sort_dicts=False)
    literal = literal.replace("\n", "\n    ")
    lines = [
        "import httpx",
        "",
        "response = httpx.post(",
        f"    {_launch_url(api_base_url)!r},",
        "    headers={",
        f"        'Authorization': 'Bearer {TOKEN_PLACEHOLDER}',",
        "        'Accept': 'application/json',",
        "    },",
        f"    json={literal},",
        ")",
        "response.raise_for_status()",
        "execution_id = response.json()['id']",
    ]
    return "\n".join(lines)


def request_as_fetch(body: dict[str, Any], api_base_url: str) -> str:
    """Return Node.js code that sends ``body`` to the launch endpoint with ``fetch``."""
    payload = json.dumps(body, indent=2, ensure_ascii=False).replace("\n", "\n  ")
    lines = [
        f"const response = await fetch({json.dumps(_launch_url(api_base_url))}, {{",
        '  method: "POST",',
        "  headers: {",
        f'    "Authorization": "Bearer {TOKEN_PLACEHOLDER}",',
        '    "Content-Type": "application/json",',
        '    "Accept": "application/json",',
        "  },",
        f"  body: JSON.stringify({payload}),",
        "});",
        "if (!response.ok) throw new Error(`launch failed: ${response.status}`);",
        "const { id: executionId } = await response.json();",
    ]
    return "\n".join(lines)
