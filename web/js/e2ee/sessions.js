// One user's E2EE state and sessions: the JS twin of client/e2ee/sessions.py. No I/O here;
// the state is a structured-clonable object (CryptoKeys stay non-extractable in IndexedDB).
import { b64d, b64e, utf8 } from "./bytes.js";
import { DecryptError } from "./primitives.js";
import { FRANKING_KEY_LEN, commit, openPayload, sealPayload } from "./franking.js";
import { SystemKeySource, identityToJson, parseBundle, prekeyToJson, publicIdentity, sameIdentity, signPrekey } from "./keys.js";
import * as ratchet from "./ratchet.js";
import { safetyNumber } from "./safety.js";
import * as x3dh from "./x3dh.js";

export const MAX_SESSIONS_PER_PEER = 4;
export const SPK_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const SPK_KEEP = 2; // current and previous, so first messages in flight still open

export class NoSession extends Error {}

function addSession(peerSessions, sid, session) {
  peerSessions.bySid.set(sid, session);
  peerSessions.active = sid;
  while (peerSessions.bySid.size > MAX_SESSIONS_PER_PEER) {
    peerSessions.bySid.delete(peerSessions.bySid.keys().next().value);
  }
}

export class SecureSessions {
  constructor(state, source = new SystemKeySource()) {
    this.state = state;
    this.source = source;
  }

  static async create(source = new SystemKeySource()) {
    const identity = { dh: await source.x25519(), sig: await source.ed25519() };
    const state = {
      identity, spkId: 1, spks: new Map([[1, await source.x25519()]]), opks: new Map(),
      nextOpkId: 1, peers: new Map(), pins: new Map(), spkCreatedAt: Date.now(),
    };
    return new SecureSessions(state, source);
  }

  publicIdentity() {
    return publicIdentity(this.state.identity);
  }

  async newOpks(count) {
    const fresh = [];
    for (let i = 0; i < count; i++) {
      const id = this.state.nextOpkId++;
      const key = await this.source.x25519();
      this.state.opks.set(id, key);
      fresh.push({ id, pub: b64e(key.pub) });
    }
    return fresh;
  }

  // Replace the signed prekey weekly, keeping the previous one.
  async rotateSpkIfDue(now = Date.now()) {
    if (now - (this.state.spkCreatedAt ?? 0) < SPK_MAX_AGE_MS) return false;
    this.state.spkId += 1;
    this.state.spks.set(this.state.spkId, await this.source.x25519());
    this.state.spkCreatedAt = now;
    const ids = [...this.state.spks.keys()].sort((a, b) => a - b);
    for (const old of ids.slice(0, -SPK_KEEP)) this.state.spks.delete(old);
    return true;
  }

  async uploadPayload(opkCount) {
    const spk = await signPrekey(this.state.identity, this.state.spkId, this.state.spks.get(this.state.spkId));
    return { identity: identityToJson(this.publicIdentity()), spk: prekeyToJson(spk), opks: await this.newOpks(opkCount) };
  }

  safetyNumber(peer) {
    const pinned = this.state.pins.get(peer);
    if (!pinned) throw new NoSession("no identity known for that peer yet");
    return safetyNumber(this.publicIdentity(), pinned);
  }

  hasSession(peer) {
    const ps = this.state.peers.get(peer);
    return Boolean(ps && ps.active);
  }

  activeSession(peer) {
    const ps = this.state.peers.get(peer);
    return ps && ps.active ? { sid: ps.active, session: ps.bySid.get(ps.active) } : null;
  }

  async start(peer, bundleJson) {
    const bundle = await parseBundle(bundleJson);
    const notices = this.pin(peer, bundle.identity);
    const ephemeral = await this.source.x25519();
    const res = await x3dh.initiate(this.state.identity, bundle, ephemeral);
    const state = await ratchet.initiatorState(res.secret, res.ad, bundle.spk.pub, this.source);
    const init = { identity: this.publicIdentity(), spkId: bundle.spk.id, opkId: bundle.opk ? bundle.opk.id : null };
    this.peerSessions(peer, true);
    addSession(this.state.peers.get(peer), b64e(ephemeral.pub), { ratchet: state, peer: bundle.identity, init });
    return notices;
  }

  async encrypt(peer, text) {
    const active = this.activeSession(peer);
    if (!active) throw new NoSession("start a session first");
    const frankingKey = await this.source.random(FRANKING_KEY_LEN);
    const body = utf8(text);
    const commitment = await commit(frankingKey, body);
    const { header, ct } = await ratchet.encrypt(
      active.session.ratchet, b64d(active.sid), sealPayload(frankingKey, body), commitment);
    const envelope = { type: "msg", sid: b64d(active.sid), header, commitment, ct, init: active.session.init };
    return { envelope, frankingKey, commitment };
  }

  // Decrypt, or throw (DecryptError, NoSession) leaving every key and session unchanged.
  async decrypt(peer, envelope) {
    if (envelope.type !== "msg") throw new DecryptError("not a message envelope");
    const ps = this.peerSessions(peer) || { bySid: new Map(), active: null };
    const sid = b64e(envelope.sid);
    let session = ps.bySid.get(sid);
    let usedOpk = null;
    const isNew = !session;
    if (isNew) {
      if (!envelope.init) throw new NoSession("no session for that envelope");
      [session, usedOpk] = await this.respond(envelope);
    }
    const { state, plaintext } = await ratchet.decrypt(
      session.ratchet, envelope.sid, envelope.header, envelope.ct, envelope.commitment, this.source);
    const { frankingKey, text } = await openPayload(plaintext, envelope.commitment);
    // Authenticated: only now may any state change.
    let notices = [];
    if (isNew) {
      notices = this.pin(peer, session.peer);
      addSession(ps, sid, session);
      this.state.peers.set(peer, ps);
      if (usedOpk !== null) this.state.opks.delete(usedOpk);
    }
    session.ratchet = state;
    session.init = null;
    return { text, frankingKey, commitment: envelope.commitment, notices };
  }

  async respond(envelope) {
    const init = envelope.init;
    const spk = this.state.spks.get(init.spkId);
    const opk = init.opkId === null ? null : this.state.opks.get(init.opkId);
    if (!spk || (init.opkId !== null && !opk)) {
      throw new NoSession("that message used prekeys this device no longer has");
    }
    const res = await x3dh.respond(this.state.identity, spk, opk, init.identity, envelope.sid);
    return [{ ratchet: ratchet.responderState(res.secret, res.ad, spk), peer: init.identity, init: null }, init.opkId];
  }

  resetEnvelope(sid) {
    return { type: "reset", sid };
  }

  onReset(peer, sid) {
    const ps = this.state.peers.get(peer);
    const key = b64e(sid);
    if (!ps || !ps.bySid.has(key)) return null;
    ps.bySid.delete(key);
    if (ps.active === key) ps.active = null;
    return {
      kind: "session_reset", peer,
      text: `${peer}'s device lost its secure session. A new one will be started; recent messages may not have arrived. Compare safety numbers again.`,
    };
  }

  peerSessions(peer, create = false) {
    if (!this.state.peers.has(peer) && create) this.state.peers.set(peer, { bySid: new Map(), active: null });
    return this.state.peers.get(peer);
  }

  pin(peer, identity) {
    const old = this.state.pins.get(peer);
    this.state.pins.set(peer, identity);
    if (!old || sameIdentity(old, identity)) return [];
    return [{
      kind: "identity_changed", peer,
      text: `${peer}'s safety number has changed (new device or reinstall). Compare safety numbers before sharing anything sensitive.`,
    }];
  }
}
