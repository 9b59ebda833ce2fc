// Start-up, the hash router and the always-present chrome (nav, connection, safety panel).
import { alertNow, announce } from "./announcer.js";
import { Connection } from "./connection.js";
import { el, replaceChildren } from "./dom.js";
import { joinView } from "./join.js";
import { navLinks, routeFor } from "./routes.js";
import { PrivateChats } from "./private.js";
import { SafetyPanel } from "./safety.js";
import { atLeast, clearSession, loadSession } from "./session.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const connectionStatus = document.getElementById("connection");
const safety = new SafetyPanel();

let ctx = null;
let current = null;

function showView(view) {
  current?.destroy?.();
  current = view;
  replaceChildren(main, view.element);
  document.title = view.title ? `${view.title} · Huddle` : "Huddle";
  (view.focusTarget ?? view.element.querySelector("h1, h2"))?.focus();
}

function route() {
  if (!ctx) return;
  const hash = location.hash || "#/rooms";
  showView(routeFor(hash, ctx));
  for (const link of nav.querySelectorAll("a")) {
    const active = hash === link.getAttribute("href") || hash.startsWith(`${link.getAttribute("href")}/`);
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showStatus({ state, again }) {
  document.body.dataset.connection = state;
  if (state === "offline") {
    connectionStatus.textContent = "Reconnecting…";
  } else {
    connectionStatus.textContent = again ? "Back online" : "";
    if (again) {
      setTimeout(() => {
        if (document.body.dataset.connection === "online") connectionStatus.textContent = "";
      }, 4000);
      ctx?.chats.reconnect();
      current?.onReconnect?.();
    }
  }
}

function signOut(reason) {
  ctx?.chats.close();
  ctx?.conn.close();
  ctx = null;
  clearSession();
  nav.hidden = true;
  nav.replaceChildren();
  safety.setConnection(null);
  location.hash = "";
  showView(joinView({ onJoined: enter, notice: reason }));
}

function renderNav(session) {
  const links = navLinks(session.role).map(([href, label]) => el("li", {}, el("a", { href }, label)));
  const who = el("p", { class: "who" }, "Signed in as ", el("strong", {}, session.pseudonym), ` (${session.role})`);
  const out = el("button", { type: "button", class: "link-button", onclick: () => signOut() }, "Sign out");
  replaceChildren(nav, el("ul", {}, links), who, out);
  nav.hidden = false;
}

function enter(session) {
  const conn = new Connection(session.token, {
    onStatus: showStatus,
    onUnauthorized: () => signOut("Your session has ended. Please join again with a new invite code."),
  });
  ctx = { conn, session, navigate: (hash) => (location.hash = hash), isAtLeast: (r) => atLeast(session.role, r) };
  // The server ends sessions when access changes: try again, and sign out only if the
  // token is no longer accepted (onUnauthorized).
  conn.on("session:ended", () => {
    alertNow("Your access changed. Reconnecting…");
    setTimeout(() => ctx?.conn === conn && conn.connect(), 1000);
  });
  conn.on("safety:resources", (data) => safety.showResources(data));
  conn.on("safety:offer", (data) => safety.showOffer(data));
  conn.on("report:updated", (data) => {
    if (data?.state === "resolved") announce("A report you made has been reviewed. Thank you.");
  });
  conn.on("escalation:new", (data) => {
    // The dashboard announces its own; elsewhere a lead still hears of it at once.
    if (atLeast(session.role, "lead") && !data?.catch_up && location.hash !== "#/escalations") {
      alertNow(`New escalation${data?.room ? ` in ${data.room}` : ""}. Open Escalations to act on it.`);
    }
  });
  ctx.chats = new PrivateChats(session, conn);
  safety.setConnection(conn);
  renderNav(session);
  conn.connect();
  ctx.chats.start();
  if (!location.hash) location.hash = "#/rooms";
  route();
}

window.addEventListener("hashchange", route);
const saved = loadSession();
if (saved) enter(saved);
else showView(joinView({ onJoined: enter }));
