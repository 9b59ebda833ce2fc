// The "Need help now?" panel: crisis lines one tap (the first button on every screen) or one
// keystroke (Alt+H) away, and the place a `safety:resources` push is shown.
import { alertNow } from "./announcer.js";
import { explain } from "./connection.js";
import { el, replaceChildren } from "./dom.js";

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
    const message =
      typeof data.message === "string" && data.message
        ? data.message
        : "It sounds like things are really hard right now. You're not alone, and you don't have to carry this by yourself.";
    const resources = Array.isArray(data.resources) ? data.resources : [];
    const items = resources.map((r) => el("li", {}, resourceLine(r)));
    replaceChildren(
      this.offer,
      el(
        "section",
        { class: "safety-offer", "aria-labelledby": "safety-offer-title" },
        el("h2", { id: "safety-offer-title" }, "We're here for you"),
        el("p", {}, message),
        items.length ? el("ul", { class: "lines" }, items) : null,
        el("p", {}, "A peer lead can talk with you privately, right now."),
      ),
    );
    this.open({ focus: false });
    alertNow(`${message} Support lines are shown in the Need help now panel.`);
  }

  async askForLead() {
    if (!this.conn) return;
    const status = this.panel.querySelector(".lead-status") ?? el("p", { class: "lead-status", role: "status" });
    this.talk.after(status);
    try {
      await this.conn.call("safety:offer", { accept: true });
      status.textContent = "A peer lead has been asked to contact you. Keep this page open.";
    } catch (error) {
      status.textContent = explain(error);
    }
  }
}

function resourceLine(resource) {
  if (typeof resource === "string") return resource;
  const name = String(resource?.name ?? "");
  const how = String(resource?.contact ?? resource?.phone ?? resource?.text ?? resource?.detail ?? "");
  const phone = String(resource?.phone ?? "").replace(/[^0-9+]/g, "");
  const label = [el("strong", {}, name), how ? `: ${how}` : ""];
  return phone ? el("a", { href: `tel:${phone}` }, label) : el("span", {}, label);
}
