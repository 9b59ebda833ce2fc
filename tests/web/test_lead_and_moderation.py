"""Role-gated tools: moderation for supporters and above, the lead dashboard, reports, audit."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import socketio.exceptions

from client import HuddleClient
from tests.servers import HuddleProcess
from tests.web.conftest import PHONE, check_screen, expect, join, open_room, screenshot

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOM = "night-shifts"
NOT_AVAILABLE = "isn't available on this server yet"


async def server_has(client: HuddleClient, event: str, payload: dict[str, Any]) -> bool:
    """Whether the server handles ``event`` at all (an unhandled event is never acked)."""
    try:
        await client.request(event, payload, timeout=2)
    except (TimeoutError, socketio.exceptions.TimeoutError):
        return False
    return True


async def test_supporter_gets_message_and_room_moderation_tools(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    author = await py_client()
    await author.join(ROOM)
    sent = await author.send(ROOM, "a message that breaks the rules")
    page = await open_page()
    await join(page, server.url, role="supporter")
    await open_room(page)
    # By id: once redacted, the text that found it is gone.
    message = page.locator(f".message[data-id='{sent['id']}']")
    await message.get_by_role("button", name="Moderate").click()
    for action in ("Redact message", "Time out", f"Remove {author.pseudonym} from room"):
        await expect(message.get_by_role("button", name=action)).to_be_visible()
    await expect(
        message.get_by_role("button", name=f"Ban {author.pseudonym} from room")
    ).to_be_visible()
    await expect(page.get_by_label("Slow mode")).to_be_visible()
    await expect(page.get_by_role("button", name="Lock room")).to_have_attribute(
        "aria-pressed", "false"
    )
    await check_screen(page, "moderation-tools")

    await message.get_by_label("Reason").fill("breaks the rules")
    await message.get_by_role("button", name="Redact message").click()
    if await server_has(author, "mod:redact", {"message_id": sent["id"], "reason": "probe"}):
        await expect(message.locator(".text")).to_have_text(
            "This message was removed by a moderator."
        )
    else:
        status = message.locator(".mod-tools > [role=status]")
        await expect(status).to_contain_text(NOT_AVAILABLE, timeout=12000)


async def test_members_get_no_moderation_tools(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    author = await py_client()
    await author.join(ROOM)
    await author.send(ROOM, "just chatting")
    page = await open_page()
    await join(page, server.url)
    await open_room(page)
    message = page.locator(".message").filter(has_text="just chatting").last
    await expect(message.get_by_role("button", name="Report")).to_be_visible()
    await expect(page.get_by_role("button", name="Moderate")).to_have_count(0)
    await expect(page.get_by_label("Slow mode")).to_have_count(0)
    await expect(page.get_by_role("button", name="Lock room")).to_have_count(0)


async def test_any_message_can_be_reported(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    author = await py_client()
    await author.join(ROOM)
    await author.send(ROOM, "please report me")
    page = await open_page()
    await join(page, server.url)
    await open_room(page)
    message = page.locator(".message").filter(has_text="please report me").last
    await message.get_by_role("button", name="Report").click()
    await expect(message.get_by_label("Why are you reporting this?")).to_be_focused()
    await message.get_by_label("Why are you reporting this?").select_option("harassment")
    await check_screen(page, "report-form")
    await message.get_by_role("button", name="Send report").click()
    status = message.locator(".report [role=status]")
    await expect(status).not_to_be_empty(timeout=12000)
    if await server_has(author, "reports:list", {}):
        await expect(status).to_contain_text("Reported")
    else:
        await expect(status).to_contain_text(NOT_AVAILABLE)


async def test_lead_dashboard_reports_and_audit_screens(
    open_page: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url, role="lead")
    nav = page.get_by_role("navigation", name="Main")
    screens = (
        ("Escalations", "escalation queue", "lead-dashboard"),
        ("Reports", "reports queue", "reports-queue"),
        ("Audit log", "audit log", "audit-log"),
    )
    for link, what, shot in screens:
        await nav.get_by_role("link", name=link).click()
        await expect(page.get_by_role("heading", name=link, level=1)).to_be_focused()
        status = page.locator("main [role=status]").first
        await expect(status).not_to_contain_text("Loading", timeout=12000)
        if NOT_AVAILABLE in (await status.text_content() or ""):
            await expect(status).to_contain_text(what)
        await check_screen(page, shot)
        await page.set_viewport_size(PHONE)
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await screenshot(page, f"{shot}-phone")
        await page.set_viewport_size({"width": 1280, "height": 800})


async def test_lead_dashboard_shows_a_cry_for_help_live(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    page = await open_page()
    await join(page, server.url, role="lead")
    await (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    )
    await expect(page.get_by_role("heading", name="Escalations", level=1)).to_be_focused()
    member = await py_client()
    if not await server_has(member, "dm:help", {"text": "I need help now."}):
        pytest.skip("this server has no dm:help")
    card = page.locator(".escalation").filter(has_text="Asked for help now")
    await expect(card.first).to_be_visible()
    await expect(page.locator("#alerts")).to_contain_text("New escalation")
    await check_screen(page, "lead-dashboard-live")


async def test_ban_unban_timeout_and_remove_from_the_page_are_enforced(
    open_page: Any, py_client: Any, server: HuddleProcess
) -> None:
    author = await py_client()
    await author.join(ROOM)
    sent = await author.send(ROOM, "someone the supporter will act on")
    page = await open_page()
    await join(page, server.url, role="supporter")
    await open_room(page)
    message = page.locator(f".message[data-id='{sent['id']}']")
    status = message.locator(".mod-tools > [role=status]")
    await message.get_by_role("button", name="Moderate").click()

    async def send_code() -> str | None:
        payload = {"room": ROOM, "text": "am I still here?", "client_id": secrets.token_hex(6)}
        ack = await author.request("room:send", payload)
        return None if ack["ok"] else str(ack["error"]["code"])

    await message.get_by_role("button", name=f"Ban {author.pseudonym} from room").click()
    await expect(status).to_have_text(f"{author.pseudonym} is banned from this room.")
    assert await send_code() in ("banned", "forbidden")
    assert (await author.request("room:join", {"room": ROOM}))["error"]["code"] == "banned"

    await message.get_by_role("button", name=f"Lift ban on {author.pseudonym}").click()
    await expect(status).to_have_text(f"{author.pseudonym} may take part again.")
    await author.join(ROOM)
    assert await send_code() is None

    await message.get_by_role("button", name="Time out").click()
    await expect(status).to_have_text(f"{author.pseudonym} is timed out.")
    assert await send_code() == "timed_out"

    await message.get_by_role("button", name=f"Remove {author.pseudonym} from room").click()
    await expect(status).to_have_text(f"{author.pseudonym} was removed from the room.")
    history = await author.request("room:history", {"room": ROOM})
    assert history["error"]["code"] == "forbidden"
