// Moderation for supporters and above: per-message and per-room tools, the reports queue
// and (leads and admins) the audit log. Shown by role; the server enforces roles anyway.
import { announce } from "./announcer.js";
import { explain } from "./connection.js";
import { el, replaceChildren, timeElement, uid } from "./dom.js";

const TIMEOUTS = [
  [300, "5 minutes"],
  [3600, "1 hour"],
  [86400, "1 day"],
];
const SLOW_MODES = [
  [0, "Off"],
  [10, "10 seconds"],
  [30, "30 seconds"],
  [60, "1 minute"],
  [300, "5 minutes"],
];

function labelled(label, control) {
  const id = uid("field");
  control.id = id;
  return el("span", { class: "field-inline" }, el("label", { for: id }, label), control);
}

function options(pairs) {
  return pairs.map(([value, label]) => el("option", { value: String(value) }, label));
}

/** Run one moderation call and say how it went in `status`. */
async function act(ctx, status, event, payload, done) {
  status.textContent = "";
  try {
    const ack = await ctx.conn.call(event, payload);
    status.textContent = done;
    announce(done);
    return ack;
  } catch (error) {
    status.textContent = explain(error);
    return null;
  }
}

export function messageModTools(ctx, roomId, message) {
  const user = message.author?.pseudonym ?? "";
  const status = el("p", { class: "action-status", role: "status" });
  const reason = el("input", { type: "text", maxlength: "300" });
  const seconds = el("select", {}, options(TIMEOUTS));
  const button = (label, onclick) => el("button", { type: "button", onclick }, label);
  const panel = el(
    "div",
    { class: "mod-panel", hidden: true, role: "group", "aria-label": `Moderate message from ${user}` },
    el(
      "div",
      { class: "mod-row" },
      labelled("Reason", reason),
      button("Redact message", () =>
        act(ctx, status, "mod:redact", { message_id: message.id, reason: reason.value.trim() || "moderation" }, "Message redacted."),
      ),
    ),
    el(
      "div",
      { class: "mod-row" },
      labelled(`Time out ${user} for`, seconds),
      button("Time out", () =>
        act(ctx, status, "mod:timeout", { user, room: roomId, seconds: Number(seconds.value) }, `${user} is timed out.`),
      ),
    ),
    el(
      "div",
      { class: "mod-row" },
      button(`Remove ${user} from room`, () => act(ctx, status, "mod:remove", { user, room: roomId }, `${user} was removed from the room.`)),
      button(`Ban ${user} from room`, () => act(ctx, status, "mod:ban", { user, room: roomId }, `${user} is banned from this room.`)),
      button(`Lift ban on ${user}`, () => act(ctx, status, "mod:unban", { user, room: roomId }, `${user} may take part again.`)),
    ),
  );
  const open = el(
    "button",
    { type: "button", class: "small", "aria-expanded": "false" },
    "Moderate",
    el("span", { class: "visually-hidden" }, ` message from ${user}`),
  );
  open.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    open.setAttribute("aria-expanded", String(!panel.hidden));
  });
  return el("div", { class: "mod-tools" }, open, panel, status);
}

export function roomModTools(ctx, room) {
  let locked = Boolean(room.locked);
  const status = el("p", { class: "action-status", role: "status" });
  const slow = el("select", {}, options(SLOW_MODES));
  slow.value = String(room.slowmode_s ?? 0);
  const lock = el("button", { type: "button", "aria-pressed": String(locked) }, "Lock room");
  lock.addEventListener("click", async () => {
    const ack = await act(ctx, status, "room:lock", { room: room.id, locked: !locked }, locked ? "Room unlocked." : "Room locked.");
    if (ack) update(ack.room ?? { locked: !locked });
  });
  function update(changed) {
    if (changed.locked !== undefined) locked = Boolean(changed.locked);
    lock.setAttribute("aria-pressed", String(locked));
    if (changed.slowmode_s !== undefined && document.activeElement !== slow) slow.value = String(changed.slowmode_s);
  }
  const element = el(
    "div",
    { class: "mod-row room-mod", role: "group", "aria-label": "Room moderation" },
    labelled("Slow mode", slow),
    el("button", {
      type: "button",
      onclick: () => act(ctx, status, "room:slowmode", { room: room.id, seconds: Number(slow.value) }, "Slow mode updated."),
    }, "Apply slow mode"),
    lock,
    status,
  );
  element.update = update;
  return element;
}

function reportItem(ctx, report) {
  const status = el("p", { class: "action-status", role: "status" });
  const author = report.author?.pseudonym ?? "";
  const open = (report.state ?? "open") === "open";
  const resolve = (outcome, done) => act(ctx, status, "report:resolve", { id: report.id, outcome, note: "" }, done);
  return el(
    "li",
    { class: "card report-card", "data-id": report.id },
    el(
      "p",
      { class: "meta" },
      el("strong", {}, `Reported: ${report.reason ?? "no reason given"}`),
      ` · ${report.state ?? "open"}`,
      report.created_at ? [" · ", timeElement(report.created_at)] : "",
      report.reporter?.pseudonym ? ` · by ${report.reporter.pseudonym}` : "",
    ),
    el(
      "blockquote",
      {},
      el("p", { class: "author" }, author),
      el("p", { class: `text${report.text == null ? " removed" : ""}` }, report.text ?? "This message has been removed."),
    ),
    report.room ? el("p", {}, "Room: ", el("a", { href: `#/room/${encodeURIComponent(report.room)}` }, String(report.room))) : null,
    open
      ? el(
          "div",
          { class: "card-actions" },
          el("button", {
            type: "button",
            onclick: async () => {
              if (await act(ctx, status, "mod:redact", { message_id: report.message_id, reason: `report: ${report.reason ?? ""}`.slice(0, 200) }, "Message redacted.")) {
                await resolve("actioned", "Message redacted and report closed.");
              }
            },
          }, "Redact and close"),
          el("button", { type: "button", onclick: () => resolve("no_action", "Closed with no action.") }, "Close, no action"),
        )
      : null,
    status,
  );
}

export function reportsView(ctx) {
  const list = el("ul", { class: "cards" });
  const status = el("p", { role: "status" }, "Loading reports…");
  async function load() {
    try {
      const ack = await ctx.conn.call("reports:list", {});
      const reports = ack.reports ?? [];
      status.textContent = reports.length ? "" : "No open reports.";
      replaceChildren(list, reports.map((r) => reportItem(ctx, r)));
    } catch (error) {
      status.textContent = `The reports queue isn't available: ${explain(error)}`;
    }
  }
  const off = ctx.conn.on("report:updated", () => load());
  const offNew = ctx.conn.on("review:new", () => load());
  load();
  const element = el("section", { class: "view reports", "aria-labelledby": "reports-title" }, el("h1", { id: "reports-title", tabindex: "-1" }, "Reports"), status, list);
  return { element, title: "Reports", onReconnect: load, destroy: () => (off(), offNew()) };
}

export function auditView(ctx) {
  const rows = el("tbody");
  const status = el("p", { role: "status" }, "Loading the audit log…");
  const action = el("input", { type: "text", maxlength: "48" });
  const actor = el("input", { type: "text", maxlength: "32" });
  async function load() {
    const filters = { limit: 100 };
    if (action.value.trim()) filters.action = action.value.trim();
    if (actor.value.trim()) filters.actor = actor.value.trim();
    try {
      const ack = await ctx.conn.call("audit:list", filters);
      const entries = ack.entries ?? ack.audit ?? [];
      status.textContent = entries.length ? `${entries.length} entries.` : "No entries.";
      replaceChildren(
        rows,
        entries.map((e) =>
          el("tr", {}, el("td", {}, e.at ? timeElement(e.at) : ""), el("td", {}, String(e.actor ?? "")), el("td", {}, String(e.action ?? "")), el("td", {}, String(e.target ?? e.user ?? "")), el("td", {}, String(e.room ?? "")), el("td", {}, String(e.reason ?? ""))),
        ),
      );
    } catch (error) {
      status.textContent = `The audit log isn't available: ${explain(error)}`;
    }
  }
  const form = el("form", { class: "filters" }, labelled("Action", action), labelled("By", actor), el("button", { type: "submit" }, "Filter"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
  const table = el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Audit log entries" },
    el("table", {}, el("caption", { class: "visually-hidden" }, "Audit log"), el("thead", {}, el("tr", {}, ["When", "By", "Action", "Target", "Room", "Reason"].map((h) => el("th", { scope: "col" }, h)))), rows),
  );
  const element = el("section", { class: "view audit", "aria-labelledby": "audit-title" }, el("h1", { id: "audit-title", tabindex: "-1" }, "Audit log"), form, status, table);
  return { element, title: "Audit log", onReconnect: load };
}
