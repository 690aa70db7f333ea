"""Checks on HTTP replies shared by the functional tests."""

from __future__ import annotations


def assert_error(response, status: int, code: str) -> dict:
    """The reply is ``status`` with exactly the error envelope, carrying ``code``."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    message = body["error"]["message"]
    assert isinstance(message, str) and len(message) > 10, body
    return body["error"]
