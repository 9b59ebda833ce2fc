// A room's messages in seq order, each shown once however often it arrives (history,
// live push, catch-up after a reconnect).
import { el, timeElement } from "./dom.js";

export const REDACTED = "This message was removed by a moderator.";
export const MASKED = "This message has been hidden to keep the room safe.";

export class MessageList {
  constructor({ actionsFor }) {
    this.element = el("ol", { class: "messages", "aria-label": "Messages" });
    this.nodes = new Map();
    this.lastSeq = 0;
    this.actionsFor = actionsFor;
  }

  /** Add a message; return false when it was already shown. */
  add(message) {
    if (!message || this.nodes.has(message.id)) return false;
    const node = this.render(message);
    this.nodes.set(message.id, node);
    const later = [...this.element.children].find((child) => Number(child.dataset.seq) > message.seq);
    this.element.insertBefore(node, later ?? null);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    return true;
  }

  render(message) {
    const author = message.author ?? {};
    const text = el("p", { class: "text" }, message.text);
    const node = el(
      "li",
      { class: "message", "data-id": message.id, "data-seq": message.seq },
      el(
        "p",
        { class: "meta" },
        el("span", { class: "author" }, author.pseudonym ?? "Someone"),
        " ",
        el("span", { class: `role role-${author.role ?? "member"}` }, author.role ?? "member"),
        " ",
        timeElement(message.ts),
      ),
      text,
      el("div", { class: "actions" }, this.actionsFor(message)),
    );
    // Masked and hidden messages arrive with the server's notice in place of the text.
    if (message.redacted) this.showRemoved(node, REDACTED);
    else if (message.masked || message.hidden) this.showRemoved(node, message.text);
    return node;
  }

  showRemoved(node, notice) {
    const text = node.querySelector(".text");
    text.textContent = notice;
    text.classList.add("removed");
  }

  markRemoved(id, notice) {
    const node = this.nodes.get(id);
    if (node) this.showRemoved(node, notice);
  }

  scrollToEnd() {
    this.element.lastElementChild?.scrollIntoView({ block: "end" });
  }
}
