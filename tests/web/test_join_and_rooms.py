"""Joining, staying signed in, the room list, the safety panel and the security headers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.servers import HuddleProcess
from tests.web.conftest import PHONE, check_screen, expect, join

pytestmark = pytest.mark.asyncio(loop_scope="module")

UK_LINES = ("Samaritans", "Shout", "NHS 111", "Emergency")


async def test_join_with_an_invite_and_stay_signed_in_after_reload(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda socket: urls.append(socket.url))
    await page.goto(server.url + "/")
    await expect(page.get_by_label("Invite code")).to_be_focused()
    await check_screen(page, "join-desktop")
    name = await join(page, server.url, pseudonym="NightOwl-7")
    assert name == "NightOwl-7"
    await expect(page.get_by_text("Signed in as")).to_contain_text("NightOwl-7")

    await page.reload()
    await expect(page.get_by_role("heading", name="Rooms", level=1)).to_be_visible()
    await expect(page.get_by_label("Invite code")).to_have_count(0)
    session = json.loads(await page.evaluate("localStorage.getItem('huddle.session')"))
    # The token travels in the socket.io auth payload only, never in any URL.
    assert any("/socket.io/" in url for url in urls)
    assert not [url for url in urls if session["token"] in url]


async def test_a_bad_invite_is_explained(open_page: Any, server: HuddleProcess) -> None:
    open_page.problems.allow("401 (Unauthorized)")
    page = await open_page()
    await page.goto(server.url + "/")
    await page.get_by_label("Invite code").fill("not-a-real-code")
    await page.get_by_role("button", name="Join", exact=True).click()
    await expect(page.get_by_role("alert")).to_contain_text("isn't valid")
    await check_screen(page, "join-error")


async def test_rooms_are_links_named_by_title_with_descriptions(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url)
    link = page.get_by_role("link", name="Night shifts", exact=True)
    await expect(link).to_have_accessible_description("For everyone awake while the world sleeps.")
    await expect(page.get_by_text("For everyone awake while the world sleeps.")).to_be_visible()
    await check_screen(page, "rooms-desktop")


async def test_help_is_first_in_tab_order_and_one_keystroke_away(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url)
    # Start sequential navigation from the top of the page, as a fresh visit does.
    await page.evaluate(
        "() => { const top = document.querySelector('.topbar'); top.tabIndex = -1; top.focus(); }"
    )
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Need help now?")).to_be_focused()

    await page.get_by_role("link", name="Rooms", exact=True).focus()
    await page.keyboard.press("Alt+H")
    panel = page.locator("#safety-panel")
    await expect(panel).to_be_visible()
    await expect(page.get_by_role("heading", name="Need help now?")).to_be_focused()
    for line in UK_LINES:
        await expect(panel.get_by_role("link", name=line)).to_be_visible()
    await expect(panel.get_by_role("link", name="Samaritans")).to_have_attribute(
        "href", "tel:116123"
    )
    await check_screen(page, "safety-panel")
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()

    # One tap works too, on the phone layout as on the desktop.
    phone = await open_page(PHONE)
    await join(phone, server.url)
    await phone.get_by_role("button", name="Need help now?").click()
    await expect(phone.locator("#safety-panel")).to_be_visible()
    await check_screen(phone, "safety-panel-phone")


async def test_member_sees_no_moderation_or_lead_tools(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url, role="member")
    nav = page.get_by_role("navigation", name="Main")
    await expect(nav.get_by_role("link", name="Rooms", exact=True)).to_be_visible()
    for hidden in ("Escalations", "Reports", "Audit log"):
        await expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
    # Even typed by hand, the lead-only route shows the rooms instead.
    await page.goto(server.url + "/#/escalations")
    await expect(page.get_by_role("heading", name="Rooms", level=1)).to_be_visible()


async def test_lead_sees_the_lead_and_moderation_links(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url, role="lead")
    nav = page.get_by_role("navigation", name="Main")
    for shown in ("Escalations", "Reports", "Audit log"):
        await expect(nav.get_by_role("link", name=shown)).to_be_visible()


async def test_a_refused_token_returns_to_the_join_screen(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url)
    await page.evaluate(
        "() => { const s = JSON.parse(localStorage.getItem('huddle.session'));"
        " s.token = 'revoked-' + s.token; localStorage.setItem('huddle.session',"
        " JSON.stringify(s)); }"
    )
    await page.reload()
    await expect(page.get_by_label("Invite code")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="session has ended")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('huddle.session')") is None
