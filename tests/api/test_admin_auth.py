import json

import pytest
from aiohttp.test_utils import make_mocked_request

from api.admin_auth import is_authorized, unauthorized


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer tok-123", True),
        ("bearer tok-123", True),
        ("Bearer  tok-123 ", True),
        ("Bearer tok-1234", False),
        ("Bearer tok-12", False),
        ("Bearer", False),
        ("Basic tok-123", False),
        ("tok-123", False),
        ("Bearer tök-123", False),
        (None, False),
    ],
)
def test_is_authorized(header: str | None, expected: bool) -> None:
    headers = {} if header is None else {"Authorization": header}
    request = make_mocked_request("GET", "/admin", headers=headers)

    assert is_authorized(request, "tok-123") is expected


def test_an_empty_admin_token_authorizes_nobody() -> None:
    request = make_mocked_request("GET", "/admin", headers={"Authorization": "Bearer "})

    assert is_authorized(request, "") is False


def test_unauthorized_is_a_json_401_asking_for_a_bearer_token() -> None:
    response = unauthorized()

    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.content_type == "application/json"
    assert response.text is not None and "error" in json.loads(response.text)
