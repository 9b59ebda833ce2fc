// Join with an invite code (and an optional pseudonym); the session is kept for reloads.
import { el, uid } from "./dom.js";
import { saveSession } from "./session.js";

const REASONS = {
  unauthorized: "That invite code isn't valid, or it has already been used or has expired.",
  conflict: "That pseudonym is taken. Try another, or leave it blank and we'll pick one.",
  rate_limited: "Too many attempts from here. Please wait a minute and try again.",
};

async function register(invite, pseudonym) {
  const body = { invite };
  if (pseudonym) body.pseudonym = pseudonym;
  const response = await fetch("/api/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = answer?.error?.code;
    throw new Error(REASONS[code] ?? answer?.error?.message ?? "We couldn't sign you in. Please try again.");
  }
  return answer;
}

export function joinView({ onJoined, notice }) {
  const inviteId = uid("invite");
  const nameId = uid("pseudonym");
  const hintId = uid("pseudonym-hint");
  const error = el("p", { class: "error", role: "alert" });
  const invite = el("input", { id: inviteId, name: "invite", required: true, autocomplete: "off", spellcheck: "false", autocapitalize: "off" });
  const pseudonym = el("input", { id: nameId, name: "pseudonym", autocomplete: "off", spellcheck: "false", autocapitalize: "off", "aria-describedby": hintId, maxlength: "32" });
  const submit = el("button", { type: "submit", class: "primary" }, "Join");
  const form = el(
    "form",
    { class: "join-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: inviteId }, "Invite code"), invite),
    el(
      "div",
      { class: "field" },
      el("label", { for: nameId }, "Pseudonym (optional)"),
      el("p", { id: hintId, class: "hint" }, "3 to 32 letters, digits, - or _. Please don't use your real name. Leave it blank and we'll pick one."),
      pseudonym,
    ),
    error,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const code = invite.value.trim();
    if (!code) {
      error.textContent = "Please enter your invite code.";
      invite.focus();
      return;
    }
    submit.disabled = true;
    try {
      const session = await register(code, pseudonym.value.trim());
      saveSession(session);
      onJoined(session);
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
    }
  });
  const element = el(
    "section",
    { class: "view join", "aria-labelledby": "join-title" },
    el("h1", { id: "join-title", tabindex: "-1" }, "Join Huddle"),
    el("p", {}, "Anonymous peer support for healthcare staff. Other people see only your pseudonym."),
    notice ? el("p", { class: "notice", role: "status" }, notice) : null,
    form,
  );
  return { element, title: "Join", focusTarget: invite };
}
