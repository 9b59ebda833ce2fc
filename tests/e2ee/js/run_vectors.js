// Runs tests/vectors/*.json against web/js/e2ee in the browser; returns {checks, failures}.
import { BadEnvelope, b64d, b64e } from "/web/js/e2ee/bytes.js";
import { aeadEncrypt, importEd25519, importX25519 } from "/web/js/e2ee/primitives.js";
import { BadSignature, identityFromJson, parseBundle, signPrekey } from "/web/js/e2ee/keys.js";
import * as ratchet from "/web/js/e2ee/ratchet.js";
import * as x3dh from "/web/js/e2ee/x3dh.js";
import { commit } from "/web/js/e2ee/franking.js";
import { fingerprint, safetyNumber } from "/web/js/e2ee/safety.js";
import * as envelope from "/web/js/e2ee/envelope.js";
import { SecureSessions, SystemKeySource } from "/web/js/e2ee/index.js";

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

class Checker {
  constructor() {
    this.checks = 0;
    this.failures = [];
  }
  eq(what, got, want) {
    this.checks++;
    const a = got instanceof Uint8Array ? b64e(got) : canonical(got);
    const b = want instanceof Uint8Array ? b64e(want) : canonical(want);
    if (a !== b) this.failures.push(`${what}: got ${a.slice(0, 120)} want ${b.slice(0, 120)}`);
  }
  async throws(what, fn, type) {
    this.checks++;
    try {
      await fn();
      this.failures.push(`${what}: did not throw`);
    } catch (err) {
      if (type && !(err instanceof type)) this.failures.push(`${what}: threw ${err.name}: ${err.message}`);
    }
  }
}

class QueueSource {
  constructor(x25519, random) {
    this.x = [...x25519];
    this.r = [...random];
  }
  x25519() {
    return importX25519(b64d(this.x.shift()));
  }
  random(n) {
    const v = b64d(this.r.shift());
    if (v.length !== n) throw new Error("random value of the wrong length");
    return v;
  }
}

async function party(keys) {
  const opks = new Map();
  for (const o of keys.opks) opks.set(o.id, await importX25519(b64d(o.priv)));
  const state = {
    identity: { dh: await importX25519(b64d(keys.ik_dh)), sig: await importEd25519(b64d(keys.ik_sig)) },
    spkId: keys.spk_id,
    spks: new Map([[keys.spk_id, await importX25519(b64d(keys.spk))]]),
    opks, nextOpkId: keys.next_opk_id, peers: new Map(), pins: new Map(),
  };
  return new SecureSessions(state, new QueueSource(keys.x25519, keys.random));
}

function snapshot(s, peer) {
  const { sid, session } = s.activeSession(peer);
  const st = session.ratchet;
  const opt = (b) => (b === null ? null : b64e(b));
  return {
    sid, rk: b64e(st.rk), dhs: b64e(st.dhs.pub), dhr: opt(st.dhr), cks: opt(st.cks), ckr: opt(st.ckr),
    ns: st.ns, nr: st.nr, pn: st.pn, skipped: st.skipped.size,
  };
}

async function kdf(c, v) {
  for (const k of v.kdf_rk) c.eq("kdf_rk", (await ratchet.kdfRk(b64d(k.rk), b64d(k.dh_out))).map(b64e), [k.rk_out, k.ck_out]);
  for (const k of v.kdf_ck) c.eq("kdf_ck", (await ratchet.kdfCk(b64d(k.ck))).map(b64e), [k.ck_out, k.mk]);
  for (const k of v.message_keys) c.eq("message_keys", (await ratchet.messageKeys(b64d(k.mk))).map(b64e), [k.key, k.nonce]);
  for (const k of v.aes_gcm) {
    c.eq("aes_gcm", await aeadEncrypt(b64d(k.key), b64d(k.nonce), b64d(k.plaintext), b64d(k.ad)), b64d(k.ct));
  }
}

async function x3dhVectors(c, v) {
  const alice = { dh: await importX25519(b64d(v.alice.ik_dh)), sig: await importEd25519(b64d(v.alice.ik_sig)) };
  const bob = { dh: await importX25519(b64d(v.bob.ik_dh)), sig: await importEd25519(b64d(v.bob.ik_sig)) };
  c.eq("alice public", { dh: b64e(alice.dh.pub), sig: b64e(alice.sig.pub) }, v.alice.public);
  const spk = await importX25519(b64d(v.bob.spk));
  const opk = await importX25519(b64d(v.bob.opk));
  const ek = await importX25519(b64d(v.ephemeral));
  c.eq("spk signature", (await signPrekey(bob, 7, spk)).sig, b64d(v.spk_signature));
  for (const k of v.cases) {
    const bundle = await parseBundle(k.bundle);
    const res = await x3dh.initiate(alice, bundle, ek);
    c.eq("x3dh dh", res.dhs.map(b64e), k.dh);
    c.eq("x3dh secret", res.secret, b64d(k.secret));
    c.eq("x3dh ad", res.ad, b64d(k.ad));
    const back = await x3dh.respond(bob, spk, bundle.opk ? opk : null, identityFromJson(v.alice.public), ek.pub);
    c.eq("x3dh respond", back.secret, b64d(k.secret));
  }
  for (const bad of v.bad_bundles) await c.throws("bad bundle", () => parseBundle(bad), BadSignature);
}

async function conversation(c, v) {
  const people = { alice: await party(v.alice), bob: await party(v.bob) };
  const other = { alice: "bob", bob: "alice" };
  await people.alice.start("bob", v.bundle_for_alice);
  c.eq("initial state", snapshot(people.alice, "bob"), v.initial_state);
  const sent = [];
  for (const step of v.steps) {
    const me = people[step.who];
    const peer = other[step.who];
    if (step.action === "send") {
      const { sid, session } = me.activeSession(peer);
      const [, mk] = await ratchet.kdfCk(session.ratchet.cks);
      c.eq("message key", mk, b64d(step.mk));
      c.eq("aes key and nonce", (await ratchet.messageKeys(mk)).map(b64e), [step.key, step.nonce]);
      const out = await me.encrypt(peer, step.text);
      c.eq("aead ad", ratchet.aeadAd(session.ratchet.ad, b64d(sid), out.envelope.header, out.commitment), b64d(step.aead_ad));
      c.eq(`envelope ${sent.length}`, envelope.toJson(out.envelope), step.envelope);
      c.eq("sid", sid, step.envelope.sid);
      sent.push(step.envelope);
    } else {
      const got = await me.decrypt(peer, envelope.parse(sent[step.index]));
      c.eq(`received ${step.index}`, got.text, step.text);
      c.eq("received franking key", got.frankingKey, b64d(step.franking_key));
    }
    c.eq(`state after ${step.action} by ${step.who}`, snapshot(me, peer), step.state);
  }
  people.bob.source = new SystemKeySource();
  for (const r of v.rejects) await c.throws(r.why, () => people.bob.decrypt("alice", envelope.parse(r.envelope)));
  c.eq("safety number", await people.bob.safetyNumber("alice"), v.safety_number);
}

async function franking(c, v) {
  for (const k of v.cases) {
    c.eq("commitment", await commit(b64d(k.franking_key), new TextEncoder().encode(k.plaintext)), b64d(k.commitment));
  }
}

async function safety(c, v) {
  for (const k of v.cases) {
    const a = identityFromJson(k.a);
    const b = identityFromJson(k.b);
    c.eq("fingerprint", await fingerprint(a), k.fingerprint_a);
    c.eq("safety number", await safetyNumber(b, a), k.safety_number);
  }
}

async function envelopes(c, v) {
  for (const good of v.valid) c.eq("valid envelope", envelope.toJson(envelope.parse(good)), good);
  for (const bad of v.invalid) await c.throws(bad.why, async () => envelope.parse(bad.envelope), BadEnvelope);
}

export async function runVectors(all) {
  const c = new Checker();
  const suites = { kdf, x3dh: x3dhVectors, conversation, franking, safety, envelope: envelopes };
  for (const [name, fn] of Object.entries(suites)) {
    try {
      await fn(c, all[name]);
    } catch (err) {
      c.failures.push(`${name}: ${err.name}: ${err.message}`);
    }
  }
  return { checks: c.checks, failures: c.failures };
}
