"""Mapping of error responses to typed exceptions: fields, subclasses and what-to-do text."""

from __future__ import annotations

import httpx
import pytest
from conftest import is_token_request, load_fixture, token_response

from flowwidgets.api import (
    ApiError,
    AuthError,
    BadRequestError,
    MissingPermissionError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnauthorizedError,
    error_from_response,
)

API = "https://api.mypurecloud.com"


def response_for(
    status: int,
    *,
    body: object = None,
    text: str | None = None,
    url: str = f"{API}/api/v2/flows/abc",
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    request = httpx.Request(method, url, headers={"Authorization": "Bearer never-in-errors"})
    if text is not None:
        return httpx.Response(status, text=text, request=request, headers=headers)
    if body is None:
        return httpx.Response(status, request=request, headers=headers)
    return httpx.Response(status, json=body, request=request, headers=headers)


def test_error_from_response_not_found_fields() -> None:
    response = response_for(
        404, body=load_fixture("error_not_found"), headers={"ININ-Correlation-Id": "corr-1"}
    )

    error = error_from_response(response)

    assert isinstance(error, NotFoundError)
    assert error.status == 404
    assert error.code == "not.found"
    assert error.message == "The requested resource was not found."
    assert error.correlation_id == "corr-1"
    assert error.method == "GET"
    assert error.url == f"{API}/api/v2/flows/abc"
    assert error.body == load_fixture("error_not_found")


def test_error_from_response_flow_404_fix() -> None:
    response = response_for(404, body=load_fixture("error_not_found"))

    error = error_from_response(response)

    assert "flow id" in error.fix
    assert "region" in error.fix
    assert "division" in error.fix
    assert error.fix in str(error)


def test_error_from_response_execution_404_mentions_expiry() -> None:
    response = response_for(
        404, body=load_fixture("error_not_found"), url=f"{API}/api/v2/flows/executions/e1"
    )

    error = error_from_response(response)

    assert "execution id" in error.fix
    assert "days" in error.fix


def test_error_from_response_correlation_from_context_id() -> None:
    response = response_for(404, body=load_fixture("error_not_found"))

    error = error_from_response(response)

    assert error.correlation_id == "ctx-404-body"
    assert "ctx-404-body" in str(error)


def test_error_from_response_missing_permissions() -> None:
    response = response_for(
        403,
        body=load_fixture("error_missing_permissions"),
        method="POST",
        url=f"{API}/api/v2/flows/executions",
    )

    error = error_from_response(response)

    assert isinstance(error, MissingPermissionError)
    assert error.code == "missing.permissions"
    assert error.permissions == ["architect:flow:launch"]
    assert "architect:flow:launch" in error.fix
    assert "role" in error.fix


def test_error_from_response_permissions_from_message() -> None:
    body = {
        "message": "You are missing the following permission(s): "
        "analytics:flowExecutionAggregate:view, architect:flowInstance:search",
        "code": "missing.any.permissions",
        "status": 403,
    }

    error = error_from_response(response_for(403, body=body))

    assert isinstance(error, MissingPermissionError)
    assert error.permissions == [
        "analytics:flowExecutionAggregate:view",
        "architect:flowInstance:search",
    ]


def test_error_from_response_403_without_permission_names() -> None:
    body = {"message": "You are not authorized.", "code": "not.authorized", "status": 403}

    error = error_from_response(response_for(403, body=body))

    assert isinstance(error, MissingPermissionError)
    assert error.permissions == []
    assert "roles and divisions" in error.fix


def test_error_from_response_401_api_host() -> None:
    error = error_from_response(response_for(401, body=load_fixture("error_bad_credentials")))

    assert isinstance(error, UnauthorizedError)
    assert not isinstance(error, AuthError)
    assert "expired" in error.fix
    assert "another org or region" in error.fix


def test_error_from_response_login_invalid_client() -> None:
    response = response_for(
        401,
        body=load_fixture("login_invalid_client"),
        url="https://login.mypurecloud.de/oauth/token",
        method="POST",
    )

    error = error_from_response(response, api_base_url="https://api.mypurecloud.de")

    assert isinstance(error, AuthError)
    assert error.code == "invalid_client"
    assert error.message == "client not found"
    assert "login.mypurecloud.de" in error.fix
    assert "another region" not in str(error)


def test_error_from_response_login_other_region_says_so() -> None:
    response = response_for(
        400,
        body=load_fixture("login_invalid_client"),
        url="https://login.mypurecloud.de/oauth/token",
        method="POST",
    )

    error = error_from_response(response, api_base_url="https://api.mypurecloud.com.au")

    assert "mypurecloud.de" in error.fix
    assert "mypurecloud.com.au" in error.fix
    assert "same region" in error.fix


def test_error_from_response_rate_limited() -> None:
    response = response_for(
        429, body=load_fixture("error_rate_limited"), headers={"Retry-After": "17"}
    )

    error = error_from_response(response, retry_after_seen=[17.0, 17.0], waited=17.0)

    assert isinstance(error, RateLimitError)
    assert error.retry_after == 17.0
    assert error.retry_after_seen == [17.0, 17.0]
    assert error.waited == 17.0
    assert error.code == "too.many.requests"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, BadRequestError), (415, BadRequestError), (500, ServerError), (503, ServerError)],
)
def test_error_from_response_status_classes(status: int, expected: type[ApiError]) -> None:
    error = error_from_response(response_for(status, body={"code": "x", "message": "m"}))

    assert type(error) is expected
    assert error.status == status


@pytest.mark.parametrize(
    ("status", "text"),
    [(404, None), (500, "<html>Bad gateway</html>"), (403, "   "), (400, "{not json"), (502, "[]")],
    ids=["empty", "html", "blank", "broken-json", "json-list"],
)
def test_error_from_response_malformed_body_still_typed(status: int, text: str | None) -> None:
    error = error_from_response(response_for(status, text=text))

    assert isinstance(error, ApiError)
    assert error.status == status
    assert error.code is None
    assert str(status) in str(error)
    assert error.message


def test_error_from_response_never_includes_request_headers() -> None:
    response = response_for(403, body=load_fixture("error_missing_permissions"))

    error = error_from_response(response)

    assert "never-in-errors" not in str(error)
    assert "never-in-errors" not in repr(error)
    assert "never-in-errors" not in repr(vars(error))


async def test_client_error_carries_request(make_client) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if is_token_request(request):
            return token_response()
        return httpx.Response(
            404, json=load_fixture("error_not_found"), headers={"ININ-Correlation-Id": "c-9"}
        )

    async with make_client(handler) as client:
        with pytest.raises(NotFoundError) as raised:
            await client.get_flow("missing-flow")

    assert raised.value.method == "GET"
    assert raised.value.url == "https://api.mypurecloud.com/api/v2/flows/missing-flow"
    assert raised.value.correlation_id == "c-9"


def test_error_from_response_api_host_error_key() -> None:
    response = response_for(400, body={"error": "invalid_request", "error_description": "x"})

    error = error_from_response(response)

    assert type(error) is BadRequestError
    assert error.status == 400
