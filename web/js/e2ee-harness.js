// Exposes one DmClient to the browser tests (no inline script: the CSP forbids it).
import { DmClient } from "./dm-client.js";

let client = null;
const received = [];

window.harness = {
  async start(account, token) {
    client = new DmClient(account);
    await client.start(token);
  },
  close: () => client.close(),
  send: (peer, text) => client.send(peer, text).then((ack) => ack.id),
  receive: async (timeoutMs) => {
    const message = await client.receive(timeoutMs);
    received.push(message);
    return { ...message, index: received.length - 1 };
  },
  report: (index, urgent) => client.report(received[index], urgent),
  help: (text, about) => client.help(text, about),
  hold: () => client.hold(),
  heldCount: () => client.held.length,
  release: (order) => client.release(order),
  safetyNumber: (peer) => client.safetyNumber(peer),
  // Whether any stored private key could be exported (it must not).
  anyExtractable: () => {
    const st = client.sessions.state;
    const keys = [st.identity.dh.priv, st.identity.sig.priv, ...[...st.spks.values(), ...st.opks.values()].map((k) => k.priv)];
    return keys.some((k) => !(k instanceof CryptoKey) || k.extractable);
  },
};
document.documentElement.dataset.ready = "true";
