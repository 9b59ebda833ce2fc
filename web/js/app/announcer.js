// Screen-reader announcements through the page's two ARIA live regions.
const KEEP = 5;

function say(regionId, text) {
  const region = document.getElementById(regionId);
  if (!region) return;
  region.append(Object.assign(document.createElement("p"), { textContent: text }));
  while (region.childElementCount > KEEP) region.firstElementChild.remove();
}

export const announce = (text) => say("announcer", text);
export const alertNow = (text) => say("alerts", text);
