// The list of themed rooms, each a link named by its title with its description beside it.
import { explain } from "./connection.js";
import { el, replaceChildren } from "./dom.js";

export function roomsView(ctx) {
  const list = el("ul", { class: "room-list" });
  const status = el("p", { role: "status" }, "Loading rooms…");
  const element = el(
    "section",
    { class: "view rooms", "aria-labelledby": "rooms-title" },
    el("h1", { id: "rooms-title", tabindex: "-1" }, "Rooms"),
    status,
    list,
  );
  ctx.conn
    .call("rooms:list")
    .then(({ rooms }) => {
      status.textContent = "";
      status.hidden = true;
      replaceChildren(
        list,
        rooms.map((room) => {
          const descId = `room-desc-${room.id}`;
          return el(
            "li",
            { class: "room-card" },
            el("a", { href: `#/room/${encodeURIComponent(room.id)}`, "aria-describedby": descId }, room.title),
            el("p", { id: descId }, room.description),
            room.locked ? el("p", { class: "badge" }, "Locked") : null,
          );
        }),
      );
    })
    .catch((error) => (status.textContent = explain(error)));
  return { element, title: "Rooms" };
}
