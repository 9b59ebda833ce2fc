// Private chats, end-to-end encrypted in the browser by the E2EE module (web/js/dm-client.js
// over web/js/e2ee: WebCrypto, non-extractable keys in IndexedDB). Decrypted text is kept in
// memory only. Members need the other person's consent (dm:request / dm:accept); supporters
// and leads may message anyone.
import { DmClient } from "../dm-client.js";
import { alertNow, announce } from "./announcer.js";
import { explain } from "./connection.js";
import { el, replaceChildren, timeElement, uid } from "./dom.js";

/** The signed-in user's encrypted conversations, alive for the whole session. */
export class PrivateChats {
  constructor(session, conn) {
    this.session = session;
    this.conn = conn;
    this.client = new DmClient(`huddle:${session.user_id}`);
    this.conversations = new Map();
    this.requests = new Set();
    this.listeners = new Set();
    this.state = "starting";
    this.closed = false;
    conn.on("dm:request", (data) => this.onRequest(data?.from));
    conn.on("dm:accepted", (data) => data?.by && announce(`${data.by} accepted your private chat request.`));
  }

  async start() {
    try {
      await this.client.start(this.session.token);
      this.state = "ready";
      this.pump();
    } catch (error) {
      this.state = "unavailable";
      this.error = error;
    }
    this.changed();
  }

  /** After the main connection comes back, bring the DM socket back too (queued envelopes follow). */
  reconnect() {
    if (this.state === "ready" && this.client.socket && !this.client.socket.connected) this.client.socket.connect();
  }

  close() {
    this.closed = true;
    this.client.close();
  }

  async pump() {
    while (!this.closed) {
      let message;
      try {
        message = await this.client.receive(30000);
      } catch {
        continue; // nothing arrived in time: wait again
      }
      this.add(message.sender, { message, own: false });
      if (message.kind === "text" && location.hash !== `#/private/${encodeURIComponent(message.sender)}`) {
        alertNow(`New private message from ${message.sender}.`);
      }
    }
  }

  onRequest(from) {
    if (!from) return;
    this.requests.add(from);
    announce(`${from} would like a private chat with you.`);
    this.changed();
  }

  add(peer, entry) {
    if (!this.conversations.has(peer)) this.conversations.set(peer, []);
    this.conversations.get(peer).push(entry);
    this.changed(peer, entry);
  }

  async send(peer, text) {
    const ack = await this.client.send(peer, text);
    this.add(peer, { message: { kind: "text", sender: this.session.pseudonym, text, sent_at: ack.ts, id: ack.id }, own: true });
  }

  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(peer = null, entry = null) {
    this.listeners.forEach((listener) => listener(peer, entry));
  }
}

function dmError(error) {
  const code = error?.code;
  if (code === "forbidden") return "You can message this person once they accept your request.";
  if (code === "not_found") return "That person hasn't set up private chats yet, or doesn't exist.";
  if (code) return explain(error);
  return "The message couldn't be sent. Please try again.";
}

function messageItem(chats, peer, { message, own }) {
  if (message.kind !== "text") return el("li", { class: "dm-notice" }, el("p", { class: "text removed" }, message.text));
  const status = el("p", { class: "action-status", role: "status" });
  const actions = [];
  if (!own) {
    const report = async (urgent) => {
      try {
        await chats.client.report(message, urgent);
        status.textContent = urgent ? "Reported as urgent: a peer lead has been alerted." : "Reported. Thank you: a supporter will look at it.";
      } catch (error) {
        status.textContent = explain(error);
      }
    };
    actions.push(
      el("button", { type: "button", class: "small", onclick: () => report(false) }, "Report", el("span", { class: "visually-hidden" }, ` message from ${peer}`)),
      el("button", { type: "button", class: "small", onclick: () => report(true) }, "Report as urgent", el("span", { class: "visually-hidden" }, ` message from ${peer}`)),
    );
  }
  return el(
    "li",
    { class: `message${own ? " own" : ""}` },
    el("p", { class: "meta" }, el("span", { class: "author" }, own ? "You" : message.sender), " ", message.sent_at ? timeElement(message.sent_at) : ""),
    el("p", { class: "text" }, message.text),
    actions.length ? el("div", { class: "actions" }, actions) : null,
    status,
  );
}

function helpForm(chats, peer) {
  const id = uid("help-text");
  const box = el("textarea", { id, rows: "2", maxlength: "2000" });
  box.value = "I need help now.";
  const status = el("p", { class: "action-status", role: "status" });
  const form = el(
    "form",
    { class: "inline-form help-form", hidden: true },
    el("label", { for: id }, "What would you like a peer lead to know? Only this text is shared."),
    box,
    el("button", { type: "submit", class: "danger" }, "Alert a peer lead now"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await chats.client.help(box.value.trim() || "I need help now.", peer);
      status.textContent = "A peer lead has been alerted and will reach out. If you are in danger now, call 999.";
      form.hidden = true;
    } catch (error) {
      status.textContent = explain(error);
    }
  });
  const open = el("button", { type: "button", class: "help-now", "aria-expanded": "false" }, "I need help now");
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) box.focus();
  });
  return el("div", { class: "help-now-box" }, open, form, status);
}

function conversationView(ctx, peer) {
  const chats = ctx.chats;
  const titleId = uid("dm-title");
  const list = el("ol", { class: "messages", "aria-label": "Messages" });
  const status = el("p", { class: "room-status", role: "status" });
  const safety = el("p", { class: "safety-number" });
  const boxId = uid("dm-message");
  const box = el("textarea", { id: boxId, rows: "2", maxlength: "4000", "aria-describedby": `${boxId}-hint` });
  const sendStatus = el("p", { class: "composer-status", role: "status" });
  const ask = el("button", { type: "button", hidden: true }, `Ask ${peer} for a private chat`);
  const form = el(
    "form",
    { class: "composer" },
    el("label", { for: boxId }, "Message"),
    el("p", { id: `${boxId}-hint`, class: "hint" }, "End-to-end encrypted. Enter sends. Shift+Enter adds a new line."),
    el("div", { class: "composer-row" }, box, el("button", { type: "submit", class: "primary" }, "Send")),
    sendStatus,
    ask,
  );
  ask.addEventListener("click", async () => {
    try {
      await ctx.conn.call("dm:request", { user: peer });
      sendStatus.textContent = `Request sent. You can chat once ${peer} accepts.`;
      ask.hidden = true;
    } catch (error) {
      sendStatus.textContent = dmError(error);
    }
  });

  async function showSafetyNumber() {
    try {
      const number = await chats.client.safetyNumber(peer);
      replaceChildren(safety, "Safety number: ", el("code", {}, number), el("span", { class: "hint" }, " Compare it with theirs in person to be sure no one is in the middle."));
    } catch {
      safety.textContent = "The safety number appears once your secure session starts.";
    }
  }

  function render() {
    replaceChildren(list, (chats.conversations.get(peer) ?? []).map((entry) => messageItem(chats, peer, entry)));
    if (chats.state === "unavailable") status.textContent = "Private chats aren't available right now.";
    else if (chats.state === "starting") status.textContent = "Setting up encryption…";
    else status.textContent = "";
  }

  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = box.value;
    if (!text.trim() || chats.state !== "ready") return;
    sendStatus.textContent = "";
    try {
      await chats.send(peer, text);
      if (box.value === text) box.value = "";
      showSafetyNumber();
    } catch (error) {
      sendStatus.textContent = `Not sent: ${dmError(error)}`;
      ask.hidden = error?.code !== "forbidden";
    }
  });

  const off = chats.on((changedPeer, entry) => {
    if (changedPeer !== null && changedPeer !== peer) return;
    render();
    if (entry && !entry.own && entry.message.kind === "text") announce(`${peer}: ${entry.message.text}`);
    if (entry) showSafetyNumber();
  });
  render();
  showSafetyNumber();
  const title = el("h1", { id: titleId, tabindex: "-1" }, `Private chat with ${peer}`);
  const element = el(
    "section",
    { class: "view private", "aria-labelledby": titleId },
    el("p", { class: "back" }, el("a", { href: "#/private" }, "All private chats")),
    title,
    el("p", { class: "room-description" }, "Only you and they can read these messages: they are encrypted on your device."),
    safety,
    helpForm(chats, peer),
    status,
    list,
    form,
  );
  const fine = window.matchMedia?.("(pointer: fine)").matches;
  return { element, title: `Private chat with ${peer}`, focusTarget: fine ? box : title, destroy: off };
}

function overview(ctx) {
  const chats = ctx.chats;
  const list = el("ul", { class: "room-list" });
  const requests = el("ul", { class: "cards" });
  const nameId = uid("peer");
  const name = el("input", { id: nameId, type: "text", maxlength: "32", autocomplete: "off", spellcheck: "false" });
  const status = el("p", { role: "status" });
  const start = el("form", { class: "filters" }, el("span", { class: "field-inline" }, el("label", { for: nameId }, "Pseudonym"), name), el("button", { type: "submit", class: "primary" }, "Open private chat"));
  start.addEventListener("submit", (event) => {
    event.preventDefault();
    if (name.value.trim()) ctx.navigate(`#/private/${encodeURIComponent(name.value.trim())}`);
  });

  function render() {
    replaceChildren(list, [...chats.conversations.keys()].map((peer) => el("li", { class: "room-card" }, el("a", { href: `#/private/${encodeURIComponent(peer)}` }, peer))));
    replaceChildren(
      requests,
      [...chats.requests].map((from) => {
        const accept = el("button", { type: "button", class: "primary" }, `Accept ${from}`);
        accept.addEventListener("click", async () => {
          try {
            await ctx.conn.call("dm:accept", { user: from });
            chats.requests.delete(from);
            ctx.navigate(`#/private/${encodeURIComponent(from)}`);
          } catch (error) {
            status.textContent = dmError(error);
          }
        });
        return el("li", { class: "card" }, el("p", {}, `${from} would like a private chat with you.`), accept);
      }),
    );
    status.textContent = chats.state === "unavailable" ? "Private chats aren't available right now." : chats.conversations.size ? "" : "No private chats yet.";
  }
  const off = chats.on(() => render());
  render();
  const element = el(
    "section",
    { class: "view private", "aria-labelledby": "private-title" },
    el("h1", { id: "private-title", tabindex: "-1" }, "Private chats"),
    el("p", {}, "End-to-end encrypted: the server only ever passes on scrambled messages."),
    start,
    requests,
    status,
    list,
  );
  return { element, title: "Private chats", destroy: off };
}

export function privateChatsView(ctx, peer) {
  return peer ? conversationView(ctx, peer) : overview(ctx);
}
