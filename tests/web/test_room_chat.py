"""The room view: history, live messages, sending, reporting, reconnecting, and safety."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.servers import HuddleProcess
from tests.web.conftest import PHONE, check_screen, expect, join, open_room, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOM = "night-shifts"

XSS_PAYLOADS = (
    "<img src=x onerror=\"window.__pwned = 'img'\">",
    "<script>window.__pwned = 'script'</script>",
    "<svg onload=\"window.__pwned = 'svg'\"></svg>",
    "<a href=\"javascript:window.__pwned='link'\">click me</a>",
    "<iframe srcdoc=\"<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<b>bold?</b> &lt;escaped&gt; {{7*7}} ${7*7}",
)


def messages(page: Any) -> Any:
    return page.get_by_role("list", name="Messages").get_by_role("listitem")


async def test_history_live_messages_and_sending_on_enter(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    peer = await py_client(role="supporter")
    await peer.join(ROOM)
    await peer.send(ROOM, "Anyone else on until 8? Coffee is terrible tonight.")

    page = await open_page()
    me = await join(page, server.url)
    await open_room(page)
    earlier = messages(page).filter(has_text="Coffee is terrible tonight.")
    await expect(earlier).to_have_count(1)
    await expect(earlier).to_contain_text(peer.pseudonym or "")
    await expect(earlier.locator(".role")).to_have_text("supporter")

    await peer.send(ROOM, "Hang in there, nearly handover.")
    live = messages(page).filter(has_text="Hang in there, nearly handover.")
    await expect(live).to_have_count(1)
    await expect(page.locator("#announcer")).to_have_attribute("aria-live", "polite")
    await expect(page.locator("#announcer")).to_contain_text(
        f"{peer.pseudonym}: Hang in there, nearly handover."
    )

    box = page.get_by_label("Message", exact=True)
    await expect(box).to_be_focused()
    await box.fill("Thanks, that helps.")
    await box.press("Enter")
    pushed = await peer.next_event(
        "room:message", timeout=15, where=lambda m: m["text"] == "Thanks, that helps."
    )
    assert pushed["author"]["pseudonym"] == me
    await expect(box).to_have_value("")
    await expect(messages(page).filter(has_text="Thanks, that helps.")).to_have_count(1)
    await check_screen(page, "room-desktop")


async def test_room_on_a_360px_phone_has_no_horizontal_scroll(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    peer = await py_client()
    await peer.join(ROOM)
    await peer.send(ROOM, "A" * 300 + " a very long word that must wrap, not scroll")
    page = await open_page(PHONE)
    await join(page, server.url)
    await check_screen(page, "rooms-phone")
    await open_room(page)
    await expect(messages(page).filter(has_text="must wrap")).to_have_count(1)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await check_screen(page, "room-phone")


async def test_user_text_is_rendered_as_text_never_html(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    attacker = await py_client()
    await attacker.join(ROOM)
    page = await open_page()
    await join(page, server.url)
    await open_room(page)
    for payload in XSS_PAYLOADS:
        await attacker.send(ROOM, payload)
    for payload in XSS_PAYLOADS:
        shown = page.locator(".message .text").filter(has_text=payload)
        await expect(shown).to_have_count(1)
        await expect(shown.first).to_have_text(payload)
    await asyncio.sleep(0.5)
    assert await page.evaluate("window.__pwned") is None
    log = page.get_by_role("list", name="Messages")
    for tag in ("img", "script", "svg", "iframe", "b"):
        assert await log.locator(f".text {tag}").count() == 0
    await screenshot(page, "room-xss-payloads")


async def test_keyboard_only_join_open_a_room_and_send(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    from tests.conftest import create_invites

    peer = await py_client()
    await peer.join(ROOM)
    page = await open_page()
    await page.goto(server.url + "/")
    await page.keyboard.type(create_invites(server.url)[0])
    await page.keyboard.press("Tab")
    await page.keyboard.type("KeysOnly-1")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Rooms", level=1)).to_be_focused()
    target = page.get_by_role("link", name="Night shifts", exact=True)
    for _ in range(30):
        await page.keyboard.press("Tab")
        if await target.evaluate("link => link === document.activeElement"):
            break
    await expect(target).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Message", exact=True)).to_be_focused()
    await page.keyboard.type("Typed without a mouse")
    await page.keyboard.press("Enter")
    pushed = await peer.next_event(
        "room:message", timeout=15, where=lambda m: m["text"] == "Typed without a mouse"
    )
    assert pushed["author"]["pseudonym"] == "KeysOnly-1"


async def test_reconnect_indicator_and_catch_up_without_duplicates(
    open_page: Any, py_client: Any, start_server: Any
) -> None:
    open_page.problems.allow("net::ERR_INTERNET_DISCONNECTED")
    open_page.problems.allow("net::ERR_CONNECTION_REFUSED")
    own = start_server()
    peer = await py_client(base_url=own.url)
    await peer.join(ROOM)
    await peer.send(ROOM, "before the outage")
    page = await open_page()
    me = await join(page, own.url)
    await open_room(page)
    await expect(messages(page).filter(has_text="before the outage")).to_have_count(1)

    # Offline keeps the page from reconnecting until the peer has posted to the new server.
    await page.context.set_offline(True)
    await peer.close()
    own.kill9()
    await expect(page.locator("#connection")).to_have_text("Reconnecting…")
    await screenshot(page, "room-reconnecting")
    own.start()
    later = await py_client(base_url=own.url)
    await later.join(ROOM)
    missed = [f"missed while away {n}" for n in range(3)]
    for text in missed:
        await later.send(ROOM, text)
    await page.context.set_offline(False)

    await expect(page.locator("#connection")).not_to_have_text("Reconnecting…", timeout=15000)
    for text in missed:
        await expect(messages(page).filter(has_text=text)).to_have_count(1)
    await later.send(ROOM, "after the outage")
    await expect(messages(page).filter(has_text="after the outage")).to_have_count(1)
    await expect(messages(page).filter(has_text="before the outage")).to_have_count(1)
    seqs = await messages(page).evaluate_all("items => items.map(i => Number(i.dataset.seq))")
    assert seqs == sorted(set(seqs))

    # Private chats came back too: a direct message reaches the page after the restart.
    lead = await py_client(role="lead", base_url=own.url)
    await lead.dm_send(me, "checking in after the restart")
    await expect(page.locator("#alerts")).to_contain_text(
        f"New private message from {lead.pseudonym}"
    )
