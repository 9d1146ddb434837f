"""An ended session's key names its session (401 ``1001``) until the sweeper purges it after
the grace period; then it is an unknown key: still 401 ``1001``, without the session."""

from __future__ import annotations

from sessionary.bootstrap import Container
from tests.support import FakeClock

from .helpers import Hive, JsonObject, assert_error

GRACE_S = 3 * 86_400  # SESSIONARY_CREDENTIAL_PURGE_GRACE_DAYS


async def test_an_ended_sessions_key_answers_1001_before_and_after_its_purge(
    hive: Hive, container: Container, clock: FakeClock, session: JsonObject, session_key: str
) -> None:
    assert (await hive.call("DELETE", session_key)).content == b"true"
    clock.advance(GRACE_S - 1)
    assert await container.sweeper.purge_credentials() == 0
    ended = assert_error(await hive.call("GET", session_key), 401, 1001)
    assert ended["unauthorizedAdditionalInfo"] == "the session of this API key has ended"
    assert ended["invalidSessionId"] == session["id"]
    clock.advance(2)
    assert await container.sweeper.purge_credentials() == 1
    container.auth.forget()  # as the auth cache's few seconds would (real time, not the clock)
    unknown = assert_error(await hive.call("GET", session_key), 401, 1001)
    assert unknown["unauthorizedAdditionalInfo"] == "the API key is not valid"
    assert "invalidSessionId" not in unknown
