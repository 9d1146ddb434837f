from __future__ import annotations

from tests.conftest import Api


async def test_open_append_close_round_trip(api: Api) -> None:
    opened = await api.client.post(
        "/v1/sessions", json={"subject": {"kind": "user", "id": "u1"}}, headers=api.headers
    )
    assert opened.status_code == 201, opened.text
    sid = opened.json()["id"]
    appended = await api.client.post(
        f"/v1/sessions/{sid}/events",
        json={"events": [{"type": "a", "dedupe_key": "k"}, {"type": "b", "dedupe_key": "k"}]},
        headers=api.headers,
    )
    assert appended.status_code == 201
    assert appended.json() == {"accepted": 1, "duplicates": ["k"], "first_seq": 1, "last_seq": 1}
    closed = await api.client.post(f"/v1/sessions/{sid}/close", headers=api.headers)
    assert closed.json()["status"] == "closed"
    late = await api.client.post(
        f"/v1/sessions/{sid}/events", json={"events": [{"type": "c"}]}, headers=api.headers
    )
    assert late.status_code == 409
