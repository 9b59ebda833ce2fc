// Which view each hash shows, and which links each role sees. Hash routes carry room ids
// and pseudonyms only, never a token.
import { auditView, reportsView } from "./moderation.js";
import { escalationsView } from "./escalations.js";
import { privateChatsView } from "./private.js";
import { roomView } from "./room.js";
import { roomsView } from "./rooms.js";
import { atLeast } from "./session.js";

export function navLinks(role) {
  const links = [
    ["#/rooms", "Rooms"],
    ["#/private", "Private chats"],
  ];
  if (atLeast(role, "lead")) links.push(["#/escalations", "Escalations"]);
  if (atLeast(role, "supporter")) links.push(["#/reports", "Reports"]);
  if (atLeast(role, "lead")) links.push(["#/audit", "Audit log"]);
  return links;
}

export function routeFor(hash, ctx) {
  const [, section = "rooms", ...rest] = hash.split("/");
  const param = rest.length ? decodeURIComponent(rest.join("/")) : null;
  switch (section) {
    case "room":
      return param ? roomView(ctx, param) : roomsView(ctx);
    case "private":
      return privateChatsView(ctx, param);
    case "escalations":
      return ctx.isAtLeast("lead") ? escalationsView(ctx) : roomsView(ctx);
    case "reports":
      return ctx.isAtLeast("supporter") ? reportsView(ctx) : roomsView(ctx);
    case "audit":
      return ctx.isAtLeast("lead") ? auditView(ctx) : roomsView(ctx);
    default:
      return roomsView(ctx);
  }
}
