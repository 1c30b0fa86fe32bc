"""The launch body and its curl, httpx and fetch renderings."""

from __future__ import annotations

import ast
import json
import shlex

import pytest

from flowwidgets.widgets import (
    build_launch_body,
    request_as_curl,
    request_as_fetch,
    request_as_httpx,
)

BASE_URL = "https://api.mypurecloud.de"
BODY = {
    "flowId": "f-1",
    "inputData": {"Flow.email": "o'brien@example.com", "Flow.count": 3, "Flow.vip": True},
    "name": "try-1",
}


def test_build_launch_body_keeps_only_given_fields() -> None:
    body = build_launch_body("f-1", {"Flow.email": "a@example.com"})

    assert body == {"flowId": "f-1", "inputData": {"Flow.email": "a@example.com"}}


def test_build_launch_body_all_fields() -> None:
    body = build_launch_body("f-1", {"Flow.x": 1}, flow_version="2.0", name="run")

    assert body == {
        "flowId": "f-1",
        "flowVersion": "2.0",
        "inputData": {"Flow.x": 1},
        "name": "run",
    }


def test_build_launch_body_drops_empty_input_data() -> None:
    body = build_launch_body("f-1", {}, name=None)

    assert body == {"flowId": "f-1"}


def test_request_as_curl_round_trips_body() -> None:
    command = request_as_curl(BODY, BASE_URL)

    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["curl", "-X", "POST"]
    assert words[3] == "https://api.mypurecloud.de/api/v2/flows/executions"
    assert "Authorization: Bearer <token>" in words
    assert json.loads(words[words.index("--data-raw") + 1]) == BODY


def test_request_as_httpx_is_valid_python_with_body() -> None:
    code = request_as_httpx(BODY, BASE_URL)

    tree = ast.parse(code)
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call) and node.keywords)
    keywords = {keyword.arg: keyword.value for keyword in call.keywords}
    assert ast.literal_eval(keywords["json"]) == BODY
    assert ast.literal_eval(call.args[0]) == "https://api.mypurecloud.de/api/v2/flows/executions"
    assert ast.literal_eval(keywords["headers"])["Authorization"] == "Bearer <token>"


def test_request_as_fetch_embeds_json_body() -> None:
    code = request_as_fetch(BODY, BASE_URL)

    start = code.index("JSON.stringify(") + len("JSON.stringify(")
    end = code.index("),\n});")
    assert json.loads(code[start:end]) == BODY
    assert '"Authorization": "Bearer <token>"' in code
    assert 'fetch("https://api.mypurecloud.de/api/v2/flows/executions"' in code


@pytest.mark.parametrize("render", [request_as_curl, request_as_httpx, request_as_fetch])
def test_snippets_strip_trailing_slash_of_base_url(render) -> None:
    code = render(BODY, "http://127.0.0.1:8765/")

    assert "http://127.0.0.1:8765/api/v2/flows/executions" in code
    assert "8765//api" not in code
