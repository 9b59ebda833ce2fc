// Exposes one DmClient to the browser tests (no inline script: the CSP forbids it).
import { DmClient } from "./dm-client.js";

let client = null;

window.harness = {
  async start(account, token) {
    client = new DmClient(account);
    await client.start(token);
  },
  close: () => client.close(),
  send: (peer, text) => client.send(peer, text).then((ack) => ack.id),
  receive: (timeoutMs) => client.receive(timeoutMs),
  hold: () => client.hold(),
  heldCount: () => client.held.length,
  release: (order) => client.release(order),
  safetyNumber: (peer) => client.safetyNumber(peer),
};
document.documentElement.dataset.ready = "true";
