// "Report" on a message: a reason, then `message:report`.
import { explain } from "./connection.js";
import { el, uid } from "./dom.js";

const REASONS = [
  ["harm", "Someone may be at risk"],
  ["harassment", "Harassment or bullying"],
  ["identifying", "Shares someone's identity"],
  ["spam", "Spam"],
  ["other", "Something else"],
];

export function reportForm(ctx, message) {
  const who = message.author?.pseudonym ?? "someone";
  const selectId = uid("reason");
  const status = el("p", { class: "action-status", role: "status" });
  const select = el("select", { id: selectId }, REASONS.map(([value, label]) => el("option", { value }, label)));
  const form = el(
    "form",
    { class: "inline-form", hidden: true },
    el("label", { for: selectId }, "Why are you reporting this?"),
    select,
    el("button", { type: "submit" }, "Send report"),
    el("button", { type: "button", onclick: () => toggle(false) }, "Cancel"),
  );
  const open = el(
    "button",
    { type: "button", class: "small", "aria-expanded": "false" },
    "Report",
    el("span", { class: "visually-hidden" }, ` message from ${who}`),
  );
  function toggle(show) {
    form.hidden = !show;
    open.setAttribute("aria-expanded", String(show));
    (show ? select : open).focus();
  }
  open.addEventListener("click", () => toggle(form.hidden));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await ctx.conn.call("message:report", { message_id: message.id, reason: select.value });
      status.textContent = "Reported. Thank you: a supporter will look at it.";
      toggle(false);
    } catch (error) {
      status.textContent = explain(error);
    }
  });
  return el("div", { class: "report" }, open, form, status);
}
