// The peer lead's escalation queue: live, with risk, reasons, room context, claim, resolve,
// overdue marked, and a one-action private chat with the person.
import { alertNow, announce } from "./announcer.js";
import { explain } from "./connection.js";
import { el, replaceChildren, timeElement, uid } from "./dom.js";

const OUTCOMES = [
  ["supported", "Supported"],
  ["referred", "Referred to services"],
  ["emergency_services", "Emergency services involved"],
  ["no_response", "No response"],
  ["not_a_crisis", "Not a crisis"],
];

const claimer = (item) => item.claimed_by?.pseudonym ?? (typeof item.claimed_by === "string" ? item.claimed_by : "");

// Urgent reports and "I need help now" from private chats have no room: name where they came from.
const SOURCES = { dm_help: "Asked for help now (private chat)", dm_report: "Urgent report (private chat)" };

function riskLabel(item) {
  if (SOURCES[item.source]) return SOURCES[item.source];
  const level = item.level ? String(item.level) : "";
  const risk = typeof item.risk === "number" ? `risk ${Math.round(item.risk * 100)}%` : item.risk ? `risk ${item.risk}` : "";
  return [level, risk].filter(Boolean).join(", ");
}

class EscalationCard {
  constructor(ctx, item) {
    this.ctx = ctx;
    this.item = item;
    this.status = el("p", { class: "action-status", role: "status" });
    this.context = el("div", { class: "context" });
    this.element = el("li", { class: "card escalation", "data-id": item.id });
    this.render();
  }

  update(changes) {
    Object.assign(this.item, changes);
    this.render();
  }

  render() {
    const item = this.item;
    const who = item.author?.pseudonym ?? "";
    const titleId = uid("esc");
    const overdue = item.overdue || item.state === "overdue";
    this.element.classList.toggle("overdue", Boolean(overdue));
    this.element.setAttribute("aria-labelledby", titleId);
    const state = item.state ?? "open";
    const claimable = state === "open" || state === "overdue";
    const mine = claimer(item) === this.ctx.session.pseudonym || this.ctx.isAtLeast("admin");
    const resolvable = state === "claimed" && mine;
    const reasons = Array.isArray(item.reasons) ? item.reasons : item.reasons ? [item.reasons] : [];
    replaceChildren(
      this.element,
      el(
        "h2",
        { id: titleId, class: "card-title" },
        overdue ? el("span", { class: "badge badge-overdue" }, "Overdue") : null,
        el("span", { class: `risk risk-${item.level ?? "unknown"}` }, riskLabel(item) || "risk unknown"),
        who ? ` · ${who}` : "",
        item.room ? ` in ${item.room}` : "",
      ),
      el(
        "p",
        { class: "meta" },
        "Raised ",
        item.created_at || item.filed_at ? timeElement(item.created_at ?? item.filed_at) : "",
        item.due_at ? [" · due ", timeElement(item.due_at)] : "",
        ` · ${item.state ?? "open"}`,
        claimer(item) ? ` by ${claimer(item)}` : "",
        item.outcome ? ` (${item.outcome})` : "",
      ),
      reasons.length ? el("ul", { class: "reasons", "aria-label": "Reasons" }, reasons.map((r) => el("li", {}, String(r)))) : null,
      this.context,
      el(
        "div",
        { class: "card-actions" },
        el("button", { type: "button", onclick: () => this.showContext() }, item.room ? "Show room context" : "Show shared text"),
        claimable ? el("button", { type: "button", class: "primary", onclick: () => this.claim() }, "Claim") : null,
        who ? el("button", { type: "button", onclick: () => this.ctx.navigate(`#/private/${encodeURIComponent(who)}`) }, `Message ${who} privately`) : null,
      ),
      resolvable ? this.resolveForm() : null,
      this.status,
    );
  }

  resolveForm() {
    const outcome = el("select", { id: uid("outcome") }, OUTCOMES.map(([v, l]) => el("option", { value: v }, l)));
    const note = el("input", { id: uid("note"), type: "text", maxlength: "500" });
    const form = el(
      "form",
      { class: "mod-row" },
      el("span", { class: "field-inline" }, el("label", { for: outcome.id }, "Outcome"), outcome),
      el("span", { class: "field-inline" }, el("label", { for: note.id }, "Note"), note),
      el("button", { type: "submit" }, "Resolve"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await this.run("escalation:resolve", { id: this.item.id, outcome: outcome.value, note: note.value.trim() }, "Resolved.", { state: "resolved", overdue: false });
    });
    return form;
  }

  async run(event, payload, done, changes) {
    try {
      const ack = await this.ctx.conn.call(event, payload);
      this.update({ ...changes, ...(ack.escalation ?? {}) });
      this.status.textContent = done;
      announce(done);
    } catch (error) {
      this.status.textContent = error.code === "already_claimed" ? "Another lead has already claimed this." : explain(error);
    }
  }

  claim() {
    return this.run("escalation:claim", { id: this.item.id }, "Claimed: it's yours.", { state: "claimed", claimed_by: { pseudonym: this.ctx.session.pseudonym } });
  }

  async showContext() {
    try {
      const ack = await this.ctx.conn.call("escalation:get", { id: this.item.id });
      const context = ack.context ?? {};
      // A private escalation (from a DM) has no room: only the text the writer shared.
      const shared = typeof ack.text === "string" ? [{ id: this.item.message_id, author: this.item.author, text: ack.text }] : [];
      const messages = [...(context.before ?? []), ...(ack.message ? [ack.message] : []), ...shared, ...(context.after ?? [])];
      replaceChildren(
        this.context,
        el(
          "ol",
          { class: "context-messages", "aria-label": "Room context" },
          messages.map((m) =>
            el(
              "li",
              { class: m.id === this.item.message_id ? "flagged" : "" },
              m.id === this.item.message_id ? el("span", { class: "badge" }, "Flagged") : null,
              " ",
              el("span", { class: "author" }, String(m.author?.pseudonym ?? "")),
              ": ",
              el("span", { class: "text" }, String(m.text ?? "")),
            ),
          ),
        ),
      );
    } catch (error) {
      this.status.textContent = explain(error);
    }
  }
}

export function escalationsView(ctx) {
  const cards = new Map();
  const list = el("ol", { class: "cards escalations" });
  const status = el("p", { role: "status" }, "Loading the queue…");

  function upsert(item, { fresh = false } = {}) {
    if (!item?.id) return;
    const card = cards.get(item.id);
    if (card) return card.update(item);
    const created = new EscalationCard(ctx, { ...item });
    cards.set(item.id, created);
    if (fresh) list.prepend(created.element);
    else list.append(created.element);
    status.textContent = "";
  }

  async function load() {
    try {
      const ack = await ctx.conn.call("escalation:list", {});
      const items = ack.escalations ?? ack.items ?? [];
      items.forEach((item) => upsert(item));
      status.textContent = cards.size ? "" : "The queue is empty.";
    } catch (error) {
      status.textContent = `The escalation queue isn't available: ${explain(error)}`;
    }
  }

  async function takeNext() {
    try {
      const ack = await ctx.conn.call("escalation:next", {});
      if (!ack.escalation) {
        status.textContent = "Nothing waiting.";
        return;
      }
      upsert(ack.escalation);
      cards.get(ack.escalation.id)?.element.querySelector("h2")?.setAttribute("tabindex", "-1");
      cards.get(ack.escalation.id)?.element.querySelector("h2")?.focus();
    } catch (error) {
      status.textContent = explain(error);
    }
  }

  const offs = [
    ctx.conn.on("escalation:new", (item) => {
      const known = cards.has(item?.id);
      upsert(item, { fresh: true });
      if (!known && !item?.catch_up) alertNow(`New escalation: ${riskLabel(item)}${item?.room ? ` in ${item.room}` : ""}.`);
    }),
    ctx.conn.on("escalation:claimed", (data) => cards.get(data?.id)?.update({ state: "claimed", claimed_by: data.by })),
    ctx.conn.on("escalation:overdue", (item) => {
      upsert({ ...item, overdue: true });
      alertNow(`An escalation in ${item?.room ?? "a room"} is overdue.`);
    }),
    ctx.conn.on("escalation:resolved", (data) => cards.get(data?.id)?.update({ state: "resolved", outcome: data.outcome })),
  ];
  load();
  const element = el(
    "section",
    { class: "view escalations", "aria-labelledby": "esc-title" },
    el("h1", { id: "esc-title", tabindex: "-1" }, "Escalations"),
    el("button", { type: "button", class: "primary", onclick: takeNext }, "Take the next one"),
    status,
    list,
  );
  return { element, title: "Escalations", onReconnect: load, destroy: () => offs.forEach((off) => off()) };
}
