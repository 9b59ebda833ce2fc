// A browser client for end-to-end encrypted direct messages over Socket.IO (docs/e2ee.md).
// Keys and sessions persist in IndexedDB as non-extractable CryptoKeys; decrypted text is
// only ever held in memory.
import { io } from "../vendor/socket.io/socket.io.esm.min.js";
import {
  BadEnvelope, DecryptError, NoSession, SecureSessions, b64e, envelopeToJson, formatSafetyNumber,
  loadState, parseEnvelope, saveState,
} from "./e2ee/index.js";

const OPK_BATCH = 50;
const franking = new WeakMap();
const OPK_LOW = 20;

export class HuddleError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
  }
}

const clientId = () => "dm-" + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");

export class DmClient {
  constructor(account) {
    this.account = account;
    this.inbox = [];
    this.waiters = [];
    this.held = [];
    this.holding = false;
    this.seen = new Set();
    this.lock = Promise.resolve();
  }

  // Open a socket of its own (tests, or a page without one).
  async start(token, baseUrl = location.origin) {
    const socket = io(baseUrl, { auth: { token }, transports: ["websocket"], reconnection: false, autoConnect: false });
    const ready = this.attach(socket);
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
      socket.connect();
    });
    await ready;
  }

  // Use the app's socket. Attach before it connects: the server pushes queued envelopes
  // right after the connection opens. Emits made while offline are buffered by socket.io.
  attach(socket) {
    this.socket = socket;
    socket.on("dm:envelope", (wire) => this.onEnvelope(wire));
    socket.on("keys:low", () => this.serial(() => this.refill()));
    // Envelopes that arrive meanwhile queue behind restoring state and publishing keys.
    return this.serial(async () => {
      const saved = await loadState(this.account);
      this.sessions = saved ? new SecureSessions(saved) : await SecureSessions.create();
      await this.save();
      await this.publishKeys();
    });
  }

  close() {
    if (this.socket) this.socket.disconnect();
  }

  // Runs fn after everything queued before it: sessions are never used concurrently.
  serial(fn) {
    const run = this.lock.then(() => fn());
    this.lock = run.catch(() => {});
    return run;
  }

  async call(event, payload) {
    const ack = await this.socket.timeout(10000).emitWithAck(event, payload);
    if (!ack || !ack.ok) throw new HuddleError(ack?.error?.code ?? "?", ack?.error?.message ?? "");
    return ack;
  }

  save() {
    return saveState(this.account, this.sessions.state);
  }

  async publishKeys() {
    if (await this.sessions.rotateSpkIfDue()) await this.save();
    const ack = await this.call("keys:upload", await this.sessions.uploadPayload(0));
    if (ack.opk_count < OPK_LOW) await this.refill();
  }

  async refill() {
    const payload = await this.sessions.uploadPayload(OPK_BATCH);
    await this.save(); // private halves are stored before the public ones leave
    await this.call("keys:upload", payload);
  }

  send(peer, text) {
    return this.serial(async () => {
      if (!this.sessions.hasSession(peer)) {
        const { bundle } = await this.call("keys:bundle", { user: peer });
        for (const n of await this.sessions.start(peer, bundle)) this.deliver(notice(peer, "", n.kind, n.text));
      }
      const out = await this.sessions.encrypt(peer, text);
      await this.save();
      return this.call("dm:send", { to: peer, envelope: envelopeToJson(out.envelope), client_id: clientId() });
    });
  }

  onEnvelope(wire) {
    if (this.holding) this.held.push(wire);
    else this.serial(() => this.open(wire));
  }

  // Test hooks: hold pushed envelopes, then open them in a chosen order.
  hold() {
    this.holding = true;
  }

  release(order) {
    const wires = order ? order.map((i) => this.held[i]) : this.held;
    this.held = [];
    this.holding = false;
    return Promise.all(wires.map((w) => this.serial(() => this.open(w))));
  }

  async open(wire) {
    if (this.seen.has(wire.id)) return;
    const sender = wire.from;
    let out = [];
    let undecryptable = null;
    try {
      const envelope = parseEnvelope(wire.envelope);
      if (envelope.type === "reset") {
        const n = this.sessions.onReset(sender, envelope.sid);
        if (n) out = [notice(sender, wire.ts, n.kind, n.text)];
      } else {
        const got = await this.sessions.decrypt(sender, envelope);
        out = got.notices.map((n) => notice(sender, wire.ts, n.kind, n.text));
        const message = { kind: "text", sender, text: got.text, sent_at: wire.ts, id: wire.id };
        if (wire.franking) {
          // Kept in memory only, so that this message can be reported later.
          franking.set(message, { franking_key: b64e(got.frankingKey), commitment: b64e(got.commitment), tag: wire.franking.tag, ts_ms: wire.franking.ts_ms });
        }
        out.push(message);
      }
    } catch (err) {
      if (err instanceof NoSession) undecryptable = wire.envelope;
      else if (!(err instanceof DecryptError || err instanceof BadEnvelope)) throw err;
      // Tampered, forged or replayed envelopes are dropped and never shown.
    }
    await this.save();
    if (undecryptable) {
      const reset = { v: 1, type: "reset", sid: undecryptable.sid };
      await this.call("dm:send", { to: sender, envelope: reset, client_id: clientId() }).catch(() => {});
      out = [notice(sender, wire.ts, "undecryptable", `A message from ${sender} could not be decrypted; a new secure session has been requested.`)];
    }
    this.seen.add(wire.id);
    await this.call("dm:ack", { ids: [wire.id] });
    out.forEach((m) => this.deliver(m));
  }

  deliver(message) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.inbox.push(message);
  }

  receive(timeoutMs = 5000) {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error("timed out waiting for a direct message"));
      }, timeoutMs);
      const waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(waiter);
    });
  }

  // Report a received message: reveals its text and franking key to the moderators.
  report(message, urgent = false) {
    const opening = franking.get(message);
    if (!opening) throw new Error("only received messages with a franking tag can be reported");
    return this.call("dm:report", { from: message.sender, text: message.text, urgent, ...opening });
  }

  // "I need help now": opens an escalation carrying only the text the user chose to share.
  help(text, about = null) {
    return this.call("dm:help", about ? { text, about } : { text });
  }

  async safetyNumber(peer) {
    return formatSafetyNumber(await this.sessions.safetyNumber(peer));
  }
}

function notice(peer, ts, kind, text) {
  return { kind: "notice", notice: kind, sender: peer, text, sent_at: ts };
}
