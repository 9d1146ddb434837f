"""Rotating a webhook's secret through the Python client, against a real server."""

from __future__ import annotations

import pytest

from sessionary.client import AsyncClient, BadRequest, Client, InvalidInput, NotFound


def test_the_sync_client_rotates_a_secret_with_an_overlap(sync_client: Client) -> None:
    created = sync_client.create_webhook("https://hooks.example.com/in")
    rotated = sync_client.rotate_webhook_secret(created.id, overlap_s=60)
    assert rotated.id == created.id
    assert rotated.secret.startswith("whsec_") and rotated.secret != created.secret
    assert rotated.previous_secret_expires_at is not None
    with pytest.raises(NotFound):
        sync_client.rotate_webhook_secret("wh_unknown")
    with pytest.raises((InvalidInput, BadRequest)):
        sync_client.rotate_webhook_secret(created.id, overlap_s=-1)


async def test_the_async_client_rotates_a_secret_at_once_or_by_the_servers_default(
    async_client: AsyncClient,
) -> None:
    created = await async_client.create_webhook("https://hooks.example.com/in")
    at_once = await async_client.rotate_webhook_secret(created.id, overlap_s=0)
    assert at_once.previous_secret_expires_at is None
    default = await async_client.rotate_webhook_secret(created.id)
    assert default.previous_secret_expires_at is not None
    assert len({created.secret, at_once.secret, default.secret}) == 3
