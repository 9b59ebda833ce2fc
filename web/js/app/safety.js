// The "Need help now?" panel: crisis lines one tap (the first button on every screen) or one
// keystroke (Alt+H) away, and the place a `safety:resources` push is shown.
import { alertNow } from "./announcer.js";
import { explain } from "./connection.js";
import { el } from "./dom.js";

export class SafetyPanel {
  constructor() {
    this.panel = document.getElementById("safety-panel");
    this.button = document.getElementById("help-button");
    this.offer = document.getElementById("safety-offer");
    this.talk = document.getElementById("talk-to-lead");
    this.conn = null;
    this.returnFocus = null;
    this.button.addEventListener("click", () => (this.panel.hidden ? this.open() : this.close()));
    document.getElementById("safety-close").addEventListener("click", () => this.close());
    this.talk.addEventListener("click", () => this.askForLead());
    this.offerBox = null;
    document.addEventListener("keydown", (event) => {
      if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyH") {
        event.preventDefault();
        this.open();
      } else if (event.key === "Escape" && !this.panel.hidden) {
        this.close();
      }
    });
  }

  setConnection(conn) {
    this.conn = conn;
    this.talk.hidden = !conn;
  }

  open({ focus = true } = {}) {
    if (this.panel.hidden) this.returnFocus = document.activeElement;
    this.panel.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    if (focus) document.getElementById("safety-title").focus();
  }

  close() {
    this.panel.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    const target = this.returnFocus?.isConnected ? this.returnFocus : this.button;
    target.focus();
  }

  /** Show what the server sent, kindly and first in the panel, without stealing focus from typing. */
  showResources(data = {}) {
    const message = typeof data.message === "string" && data.message ? data.message : KIND_WORDS;
    const lines = Array.isArray(data.lines) ? data.lines : Array.isArray(data.resources) ? data.resources : [];
    this.offerSection().replaceChildren(
      el("h2", { id: "safety-offer-title" }, "We're here for you"),
      el("p", {}, message),
      lines.length ? el("ul", { class: "lines" }, lines.map((line) => el("li", {}, lineText(line)))) : null,
      this.offerBox,
    );
    this.open({ focus: false });
    alertNow(`${message} Support lines are shown in the Need help now panel.`);
  }

  /** `safety:offer`: a peer lead can open a private chat with the writer. */
  showOffer(data = {}) {
    const question = typeof data.message === "string" && data.message ? data.message : "Would you like a peer lead to open a private chat with you?";
    const status = el("p", { role: "status" });
    const yes = el("button", { type: "button", class: "primary" }, "Yes, ask a peer lead to chat with me");
    yes.addEventListener("click", () => this.askForLead(status, data.escalation_id));
    this.offerBox.replaceChildren(el("p", {}, question), yes, status);
    if (!this.offerSection().contains(this.offerBox)) this.offerSection().append(this.offerBox);
    this.open({ focus: false });
    alertNow(question);
  }

  offerSection() {
    if (!this.offer.firstElementChild) {
      this.offerBox = el("div", { class: "offer-box" });
      this.offer.append(el("section", { class: "safety-offer", "aria-labelledby": "safety-offer-title" }, el("h2", { id: "safety-offer-title" }, "We're here for you"), this.offerBox));
    }
    return this.offer.firstElementChild;
  }

  async askForLead(status = null, escalationId = undefined) {
    if (!this.conn) return;
    const shown = status ?? this.panel.querySelector(".lead-status") ?? el("p", { class: "lead-status", role: "status" });
    if (!shown.isConnected) this.talk.after(shown);
    try {
      await this.conn.call("safety:request_lead", escalationId ? { escalation_id: escalationId } : {});
      shown.textContent = "A peer lead has been asked to reach out to you privately. You can keep chatting meanwhile.";
    } catch (error) {
      shown.textContent = explain(error);
    }
  }
}

const KIND_WORDS = "It sounds like things are really hard right now. You're not alone, and you don't have to carry this by yourself.";

function lineText(line) {
  if (typeof line === "string") return line;
  return [el("strong", {}, String(line?.name ?? "")), line?.text ? `: ${line.text}` : ""];
}
