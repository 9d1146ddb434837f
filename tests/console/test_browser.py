"""End to end: Debian's Chromium (Playwright, headless) against a real server on 127.0.0.1.
Every test saves screenshots under test-results/<test name>/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from .browser import CHROMIUM, CHROMIUM_ARGS, Server, serving, shots_dir


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="module")
def tenant_key(server: Server) -> str:
    """A tenant ``acme`` with sessions for runner-1..3; the tenant's admin secret."""
    op = {"Authorization": f"Bearer {server.operator_key}"}
    assert httpx.post(f"{server.base}/v1/tenants", json={"name": "acme"}, headers=op).is_success
    issued = httpx.post(
        f"{server.base}/v1/tenants/acme/credentials", json={"scopes": ["admin"]}, headers=op
    ).json()
    key = {"Authorization": f"Bearer {issued['secret']}"}
    for n in (1, 2, 3):
        body = {"subject": {"kind": "runner", "id": f"runner-{n}"}, "scope": "race"}
        opened = httpx.post(f"{server.base}/v1/sessions", json=body, headers=key)
        assert opened.status_code == 201, opened.text
        events = {"events": [{"type": "passing", "payload": {"lap": i}} for i in range(3)]}
        sid = opened.json()["id"]
        assert httpx.post(f"{server.base}/v1/sessions/{sid}/events", json=events, headers=key)
    return str(issued["secret"])


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def context(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile per test."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/ensure-chromium"
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
    )
    ctx.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)  # assertions keep 5 s otherwise: thin on a loaded machine
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.pages[0] if context.pages else context.new_page()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    return shots_dir(request.node.name)


def sign_in(page: Page, server: Server, shots: Path) -> None:
    page.goto(f"{server.base}/admin")
    expect(page).to_have_url(f"{server.base}/admin/sign-in")
    page.get_by_label("Operator key").fill(server.operator_key)
    page.screenshot(path=shots / "01-sign-in.png")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    page.screenshot(path=shots / "02-overview.png", full_page=True)


def test_an_operator_finds_a_session_closes_it_and_signs_out(
    page: Page, server: Server, tenant_key: str, shots: Path
) -> None:
    sign_in(page, server, shots)
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.get_by_label("Subject id").fill("runner-2")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#sessions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("runner/runner-2")
    expect(rows.first).to_contain_text("active")
    page.screenshot(path=shots / "03-found.png", full_page=True)
    rows.first.get_by_role("link").click()
    expect(page.locator("#session-status")).to_have_text("active")
    expect(page.locator("#timeline-event tbody tr")).to_have_count(3)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_role("status")).to_have_text("The session was closed.")
    expect(page.locator("#session-status")).to_have_text("closed")
    expect(page.locator("#timeline-lifecycle")).to_contain_text("admin")
    page.screenshot(path=shots / "04-closed.png", full_page=True)
    page.get_by_role("link", name="All sessions of acme").click()
    closed_row = page.locator("#sessions tbody tr", has_text="runner-2")
    expect(closed_row.locator(".status")).to_have_text("closed")
    page.screenshot(path=shots / "05-table.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto(f"{server.base}/admin/sessions")
    expect(page).to_have_url(f"{server.base}/admin/sign-in")
    page.screenshot(path=shots / "06-signed-out.png")


def test_an_operator_creates_a_key_and_revokes_it(
    page: Page, server: Server, tenant_key: str, shots: Path
) -> None:
    sign_in(page, server, shots)
    page.goto(f"{server.base}/admin/keys?tenant=acme")
    form = page.locator("form.card", has=page.get_by_role("heading", name="Native API key"))
    form.get_by_label("Name (optional)").fill("browser-made")
    form.get_by_role("button", name="Create native api key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Native API key created")
    secret = page.locator("code.shown-once").inner_text()
    key_id = page.locator("#key-id").inner_text()
    page.screenshot(path=shots / "03-created.png", full_page=True)
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.base}/v1/sessions", headers=headers).status_code == 200
    page.get_by_role("link", name="Back to the keys").click()
    row = page.locator(f'tr[data-key="{key_id}"]')
    expect(row.locator(".status")).to_have_text("live")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Revoke {key_id}").click()
    expect(page.get_by_role("status")).to_have_text("The key was revoked.")
    expect(page.locator(f'tr[data-key="{key_id}"] .status')).to_have_text("revoked")
    page.screenshot(path=shots / "04-revoked.png", full_page=True)
    assert httpx.get(f"{server.base}/v1/sessions", headers=headers).status_code == 401


def test_a_wrong_key_is_refused(page: Page, server: Server, shots: Path) -> None:
    page.goto(f"{server.base}/admin/sign-in")
    page.get_by_label("Operator key").fill("sk_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("was not accepted")
    page.screenshot(path=shots / "01-refused.png")
    page.goto(f"{server.base}/admin")
    expect(page).to_have_url(f"{server.base}/admin/sign-in")


def test_a_form_posted_without_its_csrf_token_is_refused(
    page: Page, server: Server, tenant_key: str, shots: Path
) -> None:
    sign_in(page, server, shots)
    page.goto(f"{server.base}/admin/sessions?subject=runner-3")
    page.locator("#sessions tbody tr a").first.click()
    expect(page.locator("#session-status")).to_have_text("active")
    page.evaluate("document.querySelectorAll('input[name=_csrf_token]').forEach(e => e.remove())")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forbidden")
    page.screenshot(path=shots / "03-refused.png")
    page.go_back()
    page.reload()
    expect(page.locator("#session-status")).to_have_text("active")


def test_pages_fit_a_phone_screen(page: Page, server: Server, tenant_key: str, shots: Path) -> None:
    sign_in(page, server, shots)
    page.set_viewport_size({"width": 390, "height": 844})
    for name in ("", "sessions", "keys"):
        page.goto(f"{server.base}/admin/{name}")
        page.screenshot(path=shots / f"phone-{name or 'overview'}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"/admin/{name} scrolls sideways by {overflow}px"
