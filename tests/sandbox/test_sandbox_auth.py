"""Token endpoint, bearer tokens, regions, permissions, divisions and rate limits."""

from __future__ import annotations

import uuid

from sandbox_support import (
    HOME_DIVISION,
    OTHER_DIVISION,
    SEED_FLOW_ID,
    bearer,
    http_client,
    request_token,
    scenario,
    workflow,
)

from flowwidgets.sandbox import Sandbox

BILLING_FLOW_ID = "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


async def test_token_endpoint_issues_bearer_token(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await request_token(http, sandbox)

    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"]


async def test_token_endpoint_unknown_client(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await request_token(http, sandbox, client_id="nobody", secret="x")

    assert answer.status_code == 401
    assert answer.json() == {
        "error": "invalid_client",
        "description": "client not found",
        "error_description": "client not found",
    }


async def test_token_endpoint_wrong_secret(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await request_token(http, sandbox, secret="wrong")

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert answer.json()["error_description"] == "authentication failed"


async def test_token_endpoint_without_basic_auth(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await http.post(
            f"{sandbox.login_base_url}/oauth/token", data={"grant_type": "client_credentials"}
        )

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_token_endpoint_wrong_grant_type(sandbox: Sandbox) -> None:
    client = sandbox.default_client

    async with http_client(sandbox) as http:
        answer = await http.post(
            f"{sandbox.login_base_url}/oauth/token",
            data={"grant_type": "password"},
            auth=(client.client_id, client.secret),
        )

    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


async def test_api_without_token_requires_authentication(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await http.get("/api/v2/flows")

    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication.required"


async def test_api_with_unknown_token_bad_credentials(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        answer = await http.get("/api/v2/flows", headers={"Authorization": "Bearer made-up"})

    assert answer.status_code == 401
    assert answer.json()["code"] == "bad.credentials"


async def test_token_expires_after_lifetime() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(clients=[{"client_id": "c", "secret": "s", "token_lifetime_seconds": 300}])
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        before = await http.get("/api/v2/organizations/me", headers=headers)
        sandbox.clock.advance(301)
        after = await http.get("/api/v2/organizations/me", headers=headers)

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json()["code"] == "bad.credentials"


async def test_token_from_other_region_rejected() -> None:
    sandbox = Sandbox.from_scenario("c05", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        home = await http.get("https://api.mypurecloud.de/api/v2/tokens/me", headers=headers)
        elsewhere = await http.get(
            "https://api.mypurecloud.com.au/api/v2/tokens/me", headers=headers
        )

    assert home.status_code == 200
    assert elsewhere.status_code == 401
    assert elsewhere.json()["code"] == "bad.credentials"


async def test_login_host_of_other_region_rejects_client() -> None:
    sandbox = Sandbox.from_scenario("c05", speed=0)

    async with http_client(sandbox) as http:
        answer = await request_token(http, sandbox, login_host="login.mypurecloud.com")

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


async def test_error_context_id_matches_correlation_header(sandbox: Sandbox) -> None:
    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        first = await http.get(f"/api/v2/flows/{uuid.uuid4()}", headers=headers)
        second = await http.get(f"/api/v2/flows/{uuid.uuid4()}", headers=headers)

    assert first.status_code == 404
    assert first.json()["code"] == "not.found"
    assert first.json()["contextId"] == first.headers["ININ-Correlation-Id"]
    assert second.json()["contextId"] == second.headers["ININ-Correlation-Id"]
    assert first.headers["ININ-Correlation-Id"] != second.headers["ININ-Correlation-Id"]


async def test_missing_permission_names_it() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox, "launch-only-client")
        answer = await http.get(f"/api/v2/flows/{SEED_FLOW_ID}", headers=headers)

    body = answer.json()
    assert answer.status_code == 403
    assert body["code"] == "missing.permissions"
    assert "architect:flow:view" in body["message"]
    assert body["messageParams"] == {"permission": "architect:flow:view"}


async def test_launch_permission_missing() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(
            clients=[{"client_id": "c", "secret": "s", "permissions": ["architect:flow:view"]}]
        )
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.post(
            "/api/v2/flows/executions", json={"flowId": SEED_FLOW_ID}, headers=headers
        )

    assert answer.status_code == 403
    assert answer.json()["messageParams"] == {"permission": "architect:flow:launch"}


async def test_division_hides_flow_from_listing_and_get() -> None:
    sandbox = Sandbox.from_scenario("healthy", speed=0)

    async with http_client(sandbox) as http:
        limited = await bearer(http, sandbox, "home-division-client")
        full = await bearer(http, sandbox)
        limited_list = await http.get("/api/v2/flows", params={"pageSize": 100}, headers=limited)
        full_list = await http.get("/api/v2/flows", params={"pageSize": 100}, headers=full)
        limited_get = await http.get(f"/api/v2/flows/{BILLING_FLOW_ID}", headers=limited)
        limited_launch = await http.post(
            "/api/v2/flows/executions", json={"flowId": BILLING_FLOW_ID}, headers=limited
        )

    limited_ids = {flow["id"] for flow in limited_list.json()["entities"]}
    full_ids = {flow["id"] for flow in full_list.json()["entities"]}
    assert BILLING_FLOW_ID in full_ids
    assert BILLING_FLOW_ID not in limited_ids
    assert limited_get.status_code == 404
    assert limited_launch.status_code == 404


async def test_division_filter_on_listing() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(
            flows=[
                workflow(SEED_FLOW_ID, "Home flow", division=HOME_DIVISION),
                workflow(BILLING_FLOW_ID, "Billing flow", division=OTHER_DIVISION),
            ]
        )
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answer = await http.get(
            "/api/v2/flows", params={"divisionId": OTHER_DIVISION}, headers=headers
        )

    assert [flow["name"] for flow in answer.json()["entities"]] == ["Billing flow"]


async def test_client_rate_limit_answers_429() -> None:
    sandbox = Sandbox.from_scenario(
        scenario(clients=[{"client_id": "c", "secret": "s", "rate_limit_per_minute": 3}])
    )

    async with http_client(sandbox) as http:
        headers = await bearer(http, sandbox)
        answers = [await http.get("/api/v2/organizations/me", headers=headers) for _ in range(4)]
        sandbox.clock.advance(61)
        recovered = await http.get("/api/v2/organizations/me", headers=headers)

    limited = answers[-1]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert limited.json()["code"] == "too.many.requests"
    assert int(limited.headers["Retry-After"]) == 60
    assert limited.json()["contextId"] == limited.headers["ININ-Correlation-Id"]
    assert recovered.status_code == 200


async def test_token_endpoint_rate_limit_c09() -> None:
    sandbox = Sandbox.from_scenario("c09", speed=0)

    async with http_client(sandbox) as http:
        answers = [await request_token(http, sandbox) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"] == "too_many_requests"
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_tokens_shared_between_sandboxes_of_scenario() -> None:
    first = Sandbox.from_scenario("seed", speed=0)
    second = Sandbox.from_scenario("seed", speed=0)

    async with http_client(first) as http_first, http_client(second) as http_second:
        headers = await bearer(http_first, first)
        answer = await http_second.get("/api/v2/tokens/me", headers=headers)

    assert answer.status_code == 200
    assert answer.json()["OAuthClient"]["id"] == first.default_client.client_id


async def test_token_path_on_api_host_not_found(sandbox: Sandbox) -> None:
    client = sandbox.default_client

    async with http_client(sandbox) as http:
        answer = await http.post(
            f"{sandbox.api_base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, client.secret),
        )

    assert answer.status_code == 404
    assert answer.json()["code"] == "not.found"
    assert answer.json()["contextId"] == answer.headers["ININ-Correlation-Id"]
