// The signed-in session survives a reload. It lives in localStorage, never in a URL.
const KEY = "huddle.session";

export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return session && typeof session.token === "string" ? session : null;
  } catch {
    return null;
  }
}

export function saveSession({ token, user_id, pseudonym, role }) {
  localStorage.setItem(KEY, JSON.stringify({ token, user_id, pseudonym, role }));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

const RANK = { member: 0, supporter: 1, lead: 2, admin: 3 };

/** Whether `role` is `needed` or above. Only for showing tools: the server enforces roles. */
export const atLeast = (role, needed) => (RANK[role] ?? -1) >= RANK[needed];
