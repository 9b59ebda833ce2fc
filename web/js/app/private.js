// Private chats. End-to-end encryption comes from web/js/e2ee (the E2EE work); until the
// server offers the DM relay this view says so instead of pretending.
import { explain } from "./connection.js";
import { el } from "./dom.js";

export function privateChatsView(ctx, pseudonym) {
  const status = el("p", { role: "status" }, "Checking private chats…");
  const element = el(
    "section",
    { class: "view private", "aria-labelledby": "private-title" },
    el("h1", { id: "private-title", tabindex: "-1" }, pseudonym ? `Private chat with ${pseudonym}` : "Private chats"),
    status,
  );
  ctx.conn
    .call("keys:bundle", { user: pseudonym ?? ctx.session.pseudonym })
    .then(() => (status.textContent = "Private chats are being set up."))
    .catch((error) => {
      status.textContent =
        error.code === "not_available"
          ? "Private, end-to-end encrypted chats aren't available on this server yet."
          : explain(error);
    });
  return { element, title: "Private chats" };
}
