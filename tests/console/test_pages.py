"""Console pages over HTTP: overview numbers, the sessions table and its paging, a session's
page and timeline, close and delete, keys and clients, and HTML error pages."""

from __future__ import annotations

import re

import httpx

from sessionary.bootstrap import Container
from sessionary.domain.model import NewEvent, Tenant
from sessionary.services.sessions import OpenRequest
from tests.conftest import TEST_ACTOR, key_headers
from tests.support import FakeClock

from .helpers import post_form, signed_in

_ROW = re.compile(r'<tr data-session="([^"]+)">')


def session_ids(html: str) -> list[str]:
    return _ROW.findall(html)


async def _open(container: Container, tenant: Tenant, subject: str, **kw: object) -> str:
    req = OpenRequest(subject_kind="user", subject_id=subject, **kw)  # type: ignore[arg-type]
    return (await container.sessions.open(tenant.pk, req, TEST_ACTOR)).id


async def test_every_page_has_a_title_and_one_main_heading(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    sid = await _open(container, tenant, "u1")
    for path in ("/admin", "/admin/sessions", "/admin/keys", f"/admin/sessions/acme/{sid}"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert re.search(r"<title>[^<]+ · sessionary console</title>", page.text), path
        assert page.text.count("<h1") == 1, path


async def test_the_overview_counts_sessions_per_tenant_and_draws_svg_charts(
    client: httpx.AsyncClient, container: Container, tenant: Tenant, clock: FakeClock
) -> None:
    clock.clear_of_midnight(600)  # "today" and "this month" must not change under the test
    await signed_in(client, container)
    first = await _open(container, tenant, "u1")
    await _open(container, tenant, "u2")
    await _open(container, tenant, "u3", metered=False)
    clock.advance(125)  # 2 min 5 s: bills 3 minutes
    await container.sessions.close(tenant.pk, first, TEST_ACTOR)
    page = await client.get("/admin", params={"tenant": "acme"})
    row = re.search(r"<th scope=\"row\"><a [^>]*>acme</a></th>(.*?)</tr>", page.text, re.S)
    assert row, page.text
    numbers = re.findall(r'<td class="num">(\d+)</td>', row.group(1))
    assert numbers == ["2", "3", "1", "3"]  # active, opened today, closed today, billed
    assert page.text.count("<svg") == 2
    assert ": 3 billed minutes</title>" in page.text
    assert ">active</text>" in page.text


async def test_the_sessions_table_filters_and_pages_by_keyset(
    client: httpx.AsyncClient, container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    await signed_in(client, container)
    ids = [await _open(container, tenant, f"u{i}") for i in range(55)]
    await _open(container, other_tenant, "u1")
    first = await client.get("/admin/sessions", params={"tenant": "acme"})
    assert session_ids(first.text) == ids[::-1][:50]
    more = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first.text)
    assert more
    second = await client.get(more.group(1).replace("&amp;", "&"))
    assert session_ids(second.text) == ids[::-1][50:]
    assert 'rel="next"' not in second.text
    by_subject = await client.get("/admin/sessions", params={"subject": "u1"})
    tenants = re.findall(r"<td>(acme|globex)</td>", by_subject.text)
    assert sorted(tenants) == ["acme", "globex"]
    await container.sessions.close(tenant.pk, ids[3], TEST_ACTOR)
    closed = await client.get("/admin/sessions", params={"status": "closed"})
    assert session_ids(closed.text) == [ids[3]]


async def test_bad_filters_get_a_clear_html_error(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in(client, container)
    for params, words in (
        ({"status": "sleeping"}, "status must be"),
        ({"from": "yesterday"}, "from must be a date"),
        ({"tenant": "nobody"}, "no tenant named nobody"),
    ):
        page = await client.get("/admin/sessions", params=params)
        assert page.status_code == 422, params
        assert words in page.text
        assert page.headers["content-type"].startswith("text/html")


async def test_closing_from_the_console_shows_in_the_table_timeline_and_audit(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    sid = await _open(container, tenant, "runner-7")
    await container.events.append(tenant.pk, sid, [NewEvent("passing", {"num": 1})])
    path = f"/admin/sessions/acme/{sid}"
    page = await client.get(path)
    assert 'id="session-status">active' in page.text
    assert "<td>passing</td>" in page.text
    done = await post_form(client, path, f"{path}/close")
    assert done.status_code == 303
    after = await client.get(done.headers["location"])
    assert 'id="session-status">closed</span> (admin)' in after.text
    assert "<td>closed</td><td>admin</td>" in after.text
    assert "Close session</button>" not in after.text
    table = await client.get("/admin/sessions", params={"subject": "runner-7"})
    assert "status-closed" in table.text
    audit = await container.audit.page(tenant.pk, None, 10)
    assert (audit[0][0].action, audit[0][0].actor.label) == ("session.close", "console")
    again = await post_form(client, path, f"{path}/close")
    assert again.status_code == 409


async def test_deleting_from_the_console_removes_the_session(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    sid = await _open(container, tenant, "u1")
    path = f"/admin/sessions/acme/{sid}"
    done = await post_form(client, path, f"{path}/delete")
    assert done.status_code == 303
    assert "deleted" in (await client.get(done.headers["location"])).text
    assert (await client.get(path)).status_code == 404


async def test_the_timeline_pages_through_many_events(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    sid = await _open(container, tenant, "u1")
    batch = [NewEvent("passing", {"num": i}) for i in range(120)]
    await container.events.append(tenant.pk, sid, batch)
    seen: list[str] = []
    url: str | None = f"/admin/sessions/acme/{sid}"
    while url:
        page = await client.get(url)
        table = page.text.split('id="timeline-event"')[1].split("</table>")[0]
        seen += re.findall(r"<tr><td>(\d+)</td>", table)
        found = re.search(r'<a href="([^"]+)" rel="next">More events', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [str(i) for i in range(1, 121)]


async def test_a_key_is_created_with_its_secret_shown_once_and_then_revoked(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    created = await post_form(
        client,
        "/admin/keys?tenant=acme",
        "/admin/keys/create",
        {"tenant": "acme", "kind": "native", "scope": "sessions:read", "name": "reader"},
    )
    assert created.status_code == 201, created.text
    secret = re.search(r'<code class="shown-once">([^<]+)</code>', created.text)
    key_id = re.search(r'<code id="key-id">([^<]+)</code>', created.text)
    assert secret and key_id
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert (await client.get("/v1/sessions", headers=headers)).status_code == 200
    listing = await client.get("/admin/keys", params={"tenant": "acme"})
    assert key_id.group(1) in listing.text
    assert secret.group(1) not in listing.text
    revoked = await post_form(
        client,
        "/admin/keys?tenant=acme",
        f"/admin/keys/{key_id.group(1)}/revoke",
        {"tenant": "acme"},
    )
    assert revoked.status_code == 303
    assert (await client.get("/v1/sessions", headers=headers)).status_code == 401
    listing = await client.get(revoked.headers["location"])
    assert "The key was revoked." in listing.text


async def test_each_dialect_credential_can_be_created_from_the_console(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    await signed_in(client, container)
    forms = {
        "rufus": {"access": "READ_WRITE", "name": "timing"},
        "hivemp": {"type": "public"},
        "pagos": {},
        "casino": {"secure_login": "brand1"},
    }
    for kind, fields in forms.items():
        created = await post_form(
            client,
            "/admin/keys?tenant=acme",
            "/admin/keys/create",
            {"tenant": "acme", "kind": kind, **fields},
        )
        assert created.status_code == 201, (kind, created.text)
        assert 'class="shown-once"' in created.text
    kinds = sorted(k.kind for k in await container.credentials.list(tenant.pk))
    assert kinds == ["casino-partner", "hivemp", "pagos-client", "rufus"]
    bad = await post_form(
        client,
        "/admin/keys?tenant=acme",
        "/admin/keys/create",
        {"tenant": "acme", "kind": "rufus", "access": "ALL"},
    )
    assert bad.status_code == 422
    assert len(await container.credentials.list(tenant.pk)) == 4


async def test_operator_keys_are_listed_without_a_tenant(
    client: httpx.AsyncClient, container: Container, tenant: Tenant
) -> None:
    key_id = await signed_in(client, container)
    await key_headers(container, tenant.pk, "admin")
    listing = await client.get("/admin/keys")
    assert key_id in listing.text
    assert listing.text.count("<tr data-key=") == 1


async def test_unknown_console_pages_answer_with_an_html_404(
    client: httpx.AsyncClient, container: Container
) -> None:
    await signed_in(client, container)
    for path in ("/admin/nothing-here", "/admin/sessions/acme/ses_missing"):
        page = await client.get(path)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>" in page.text
