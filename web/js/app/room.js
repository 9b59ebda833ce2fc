// One room: history, live messages, sending on Enter, reporting, catch-up after a reconnect
// without duplicates, and (for supporters and above) the moderation tools.
import { announce } from "./announcer.js";
import { explain } from "./connection.js";
import { el, uid } from "./dom.js";
import { MASKED, MessageList, REDACTED } from "./messages.js";
import { messageModTools, roomModTools } from "./moderation.js";
import { reportForm } from "./report.js";

const PAGE = 200;

function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// `joined` settles once room:join has been answered: a message typed the moment the room
// opens waits for it instead of reaching the server before the socket is a member.
function composer(ctx, roomId, onSent, joined) {
  const id = uid("message");
  const box = el("textarea", { id, rows: "2", maxlength: "4000", "aria-describedby": `${id}-hint`, autocomplete: "off" });
  const status = el("p", { class: "composer-status", role: "status" });
  const form = el(
    "form",
    { class: "composer" },
    el("label", { for: id }, "Message"),
    el("p", { id: `${id}-hint`, class: "hint" }, "Enter sends. Shift+Enter adds a new line."),
    el("div", { class: "composer-row" }, box, el("button", { type: "submit", class: "primary" }, "Send")),
    status,
  );
  // One client_id per text, so a retry after a timeout can't post it twice.
  let pending = null;
  box.addEventListener("input", () => (pending = null));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    if (!text.trim()) return;
    pending ??= newClientId();
    status.textContent = "";
    try {
      await joined;
      const { message } = await ctx.conn.call("room:send", { room: roomId, text, client_id: pending });
      pending = null;
      if (box.value === text) box.value = "";
      onSent(message);
    } catch (error) {
      status.textContent = `Not sent: ${explain(error)}`;
    }
  });
  return { form, box };
}

export function roomView(ctx, roomId) {
  const offs = [];
  const titleId = uid("room-title");
  const title = el("h1", { id: titleId, tabindex: "-1" }, "Room");
  const description = el("p", { class: "room-description" });
  const status = el("p", { class: "room-status", role: "status" }, "Loading messages…");
  const list = new MessageList({
    actionsFor: (message) => [
      reportForm(ctx, message),
      ctx.isAtLeast("supporter") ? messageModTools(ctx, roomId, message) : null,
    ],
  });
  let markJoined;
  const joined = new Promise((resolve) => (markJoined = resolve));
  const send = composer(ctx, roomId, (message) => list.add(message) && list.scrollToEnd(), joined);
  const tools = el("div", { class: "room-tools" });
  const element = el(
    "section",
    { class: "view room", "aria-labelledby": titleId },
    el("p", { class: "back" }, el("a", { href: "#/rooms" }, "All rooms")),
    title,
    description,
    tools,
    status,
    list.element,
    send.form,
  );

  function showRoom(room) {
    title.textContent = room.title;
    description.textContent = room.description;
    document.title = `${room.title} · Huddle`;
    if (ctx.isAtLeast("supporter")) {
      // Updated in place, so a push never takes focus away from the control in use.
      if (tools.firstElementChild) tools.firstElementChild.update(room);
      else tools.replaceChildren(roomModTools(ctx, room));
    }
    status.textContent = "";
    if (room.locked) status.textContent = "This room is locked: only supporters can post for now.";
    else if (room.slowmode_s) status.textContent = `Slow mode: one message every ${room.slowmode_s} seconds.`;
  }

  async function catchUp() {
    for (;;) {
      const { messages } = await ctx.conn.call("room:history", { room: roomId, after_seq: list.lastSeq, limit: PAGE });
      messages.forEach((m) => list.add(m));
      if (messages.length < PAGE) break;
    }
  }

  async function load() {
    try {
      const ack = await ctx.conn.call("room:join", { room: roomId });
      markJoined();
      status.textContent = "";
      showRoom(ack.room);
      ack.messages.forEach((m) => list.add(m));
      await catchUp();
      list.scrollToEnd();
    } catch (error) {
      status.textContent = explain(error);
      markJoined(); // a send then gets the server's own answer (not a member, banned...)
    }
  }

  offs.push(
    ctx.conn.on("room:message", (message) => {
      if (message?.room !== roomId || !list.add(message)) return;
      list.scrollToEnd();
      if (message.author?.pseudonym !== ctx.session.pseudonym) {
        announce(`${message.author?.pseudonym ?? "Someone"}: ${message.text}`);
      }
    }),
    ctx.conn.on("room:redacted", (data) => {
      if (data?.room === roomId) list.markRemoved(data.id ?? data.message_id, REDACTED);
    }),
    ctx.conn.on("room:masked", (data) => {
      if (data?.room === roomId) list.markRemoved(data.id ?? data.message_id, String(data.notice ?? MASKED));
    }),
    ctx.conn.on("room:updated", (room) => {
      if (room?.id === roomId) showRoom(room);
    }),
  );
  load();

  const fine = window.matchMedia?.("(pointer: fine)").matches;
  return {
    element,
    title: "Room",
    focusTarget: fine ? send.box : title,
    onReconnect: () => catchUp().catch((error) => (status.textContent = explain(error))),
    destroy: () => offs.forEach((off) => off()),
  };
}
