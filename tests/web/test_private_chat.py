"""Private chats in the browser: end-to-end encrypted with the Python client, both ways."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers import HuddleProcess
from tests.web.conftest import PHONE, check_screen, expect, join

pytestmark = pytest.mark.asyncio(loop_scope="module")


# Every CryptoKey the E2EE state keeps in IndexedDB, with whether it can be exported.
STORED_KEYS = """async () => {
  const db = await new Promise((ok, no) => {
    const req = indexedDB.open("huddle-e2ee", 1);
    req.onsuccess = () => ok(req.result);
    req.onerror = () => no(req.error);
  });
  const states = await new Promise((ok) => {
    const req = db.transaction("state").objectStore("state").getAll();
    req.onsuccess = () => ok(req.result);
  });
  const found = [];
  const walk = (value, seen) => {
    if (value instanceof CryptoKey) {
      found.push({ type: value.type, extractable: value.extractable });
    } else if (value && typeof value === "object" && !seen.has(value)) {
      seen.add(value);
      Object.values(value).forEach((v) => walk(v, seen));
    }
  };
  states.forEach((s) => walk(s, new Set()));
  return found;
}"""


def messages(page: Any) -> Any:
    return page.get_by_role("list", name="Messages").get_by_role("listitem")


async def open_private_chat(page: Any, peer: str) -> None:
    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Private chats")
        .click()
    )
    await page.get_by_label("Pseudonym", exact=True).fill(peer)
    await page.get_by_role("button", name="Open private chat").click()
    await expect(page.get_by_role("heading", name=f"Private chat with {peer}")).to_be_visible()
    await expect(page.locator(".room-status")).to_be_hidden(timeout=15000)


async def test_encrypted_chat_with_the_python_client(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    lead = await py_client(role="lead")
    assert lead.pseudonym
    page = await open_page()
    me = await join(page, server.url)
    await open_private_chat(page, lead.pseudonym)

    box = page.get_by_label("Message", exact=True)
    await box.fill("Can we talk? It's been a rough night.")
    await box.press("Enter")
    got = await lead.dm_receive(timeout=10)
    assert (got.sender, got.text) == (me, "Can we talk? It's been a rough night.")

    await lead.dm_send(me, "Of course. I'm here.")
    reply = messages(page).filter(has_text="Of course. I'm here.")
    await expect(reply).to_have_count(1)
    await expect(page.locator("#announcer")).to_contain_text(f"{lead.pseudonym}: Of course.")

    number = page.locator(".safety-number code")
    await expect(number).to_be_visible()
    shown = (await number.text_content() or "").replace(" ", "")
    assert shown == lead.safety_number(me)

    await reply.get_by_role("button", name="Report", exact=False).first.click()
    await expect(reply.get_by_role("status")).to_contain_text("Reported")

    await page.get_by_role("button", name="I need help now").click()
    await page.get_by_role("button", name="Alert a peer lead now").click()
    await expect(page.locator(".help-now-box [role=status]")).to_contain_text("alerted")
    await check_screen(page, "private-chat")
    await page.set_viewport_size(PHONE)
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await check_screen(page, "private-chat-phone")


async def test_messages_sent_while_offline_arrive_on_return(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    supporter = await py_client(role="supporter")
    assert supporter.pseudonym
    page = await open_page()
    me = await join(page, server.url)
    await open_private_chat(page, supporter.pseudonym)
    await page.get_by_label("Message", exact=True).fill("hello")
    await page.get_by_label("Message", exact=True).press("Enter")
    await supporter.dm_receive(timeout=10)

    keys = await page.evaluate(STORED_KEYS)
    private = [k for k in keys if k["type"] == "private"]
    assert private and not any(k["extractable"] for k in private)

    context = page.context
    await page.close()
    await supporter.dm_send(me, "sent while you were away")
    again = await context.new_page()
    await again.goto(server.url + f"/#/private/{supporter.pseudonym}")
    await expect(messages(again).filter(has_text="sent while you were away")).to_have_count(1)
    # The keys came back from IndexedDB: the session goes on in both directions.
    await again.get_by_label("Message", exact=True).fill("back now")
    await again.get_by_label("Message", exact=True).press("Enter")
    got = await supporter.dm_receive(timeout=10)
    assert got.text == "back now"


async def test_members_ask_before_messaging_another_member(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    other = await py_client()
    assert other.pseudonym
    page = await open_page()
    me = await join(page, server.url)
    await open_private_chat(page, other.pseudonym)
    await page.get_by_label("Message", exact=True).fill("hi there")
    await page.get_by_label("Message", exact=True).press("Enter")
    ask = page.get_by_role("button", name=f"Ask {other.pseudonym} for a private chat")
    await expect(ask).to_be_visible()
    await ask.click()
    await expect(page.locator(".composer-status")).to_contain_text("Request sent")
    request = await other.next_event("dm:request", timeout=15)
    assert request["from"] == me
    await other.dm_accept(me)
    await page.get_by_role("button", name="Send").click()
    got = await other.dm_receive(timeout=10)
    assert got.text == "hi there"
