// The Double Ratchet, byte-for-byte the same as client/e2ee/ratchet.py. Decryption works on a
// copy of the state and returns it; the caller keeps it only when authentication succeeded.
import { BadEnvelope, b64e, concat, equal, readU32, u32, utf8 } from "./bytes.js";
import { DecryptError, ZERO_SALT, aeadDecrypt, aeadEncrypt, dh, hkdf, hmacSha256 } from "./primitives.js";

export const RATCHET_INFO = utf8("Huddle Ratchet v1");
export const MESSAGE_INFO = utf8("Huddle MessageKeys v1");
export const MAX_SKIP = 1000;
export const MAX_STORED_SKIPPED = 2000;
export const HEADER_LEN = 40;

export class ReplayError extends DecryptError {}
export class TooManySkipped extends DecryptError {}

export const encodeHeader = (h) => concat(h.dh, u32(h.pn), u32(h.n));

export function decodeHeader(bytes) {
  if (bytes.length !== HEADER_LEN) throw new BadEnvelope("header must be 40 bytes");
  return { dh: bytes.slice(0, 32), pn: readU32(bytes, 32), n: readU32(bytes, 36) };
}

export async function kdfRk(rk, dhOut) {
  const out = await hkdf(dhOut, rk, RATCHET_INFO, 64);
  return [out.slice(0, 32), out.slice(32)];
}

// [next chain key, message key]
export async function kdfCk(ck) {
  return [await hmacSha256(ck, new Uint8Array([2])), await hmacSha256(ck, new Uint8Array([1]))];
}

// [AES-256 key, 96-bit nonce]
export async function messageKeys(mk) {
  const out = await hkdf(mk, ZERO_SALT, MESSAGE_INFO, 44);
  return [out.slice(0, 32), out.slice(32)];
}

// Both identities, the session id, the header and the franking commitment.
export const aeadAd = (sessionAd, sid, header, commitment) =>
  concat(sessionAd, sid, encodeHeader(header), commitment);

export async function initiatorState(secret, ad, peerSpk, source) {
  const dhs = await source.x25519();
  const [rk, cks] = await kdfRk(secret, await dh(dhs.priv, peerSpk));
  return { rk, dhs, dhr: peerSpk, cks, ckr: null, ad, ns: 0, nr: 0, pn: 0, skipped: new Map() };
}

export function responderState(secret, ad, spk) {
  return { rk: secret, dhs: spk, dhr: null, cks: null, ckr: null, ad, ns: 0, nr: 0, pn: 0, skipped: new Map() };
}

export const cloneState = (s) => ({ ...s, skipped: new Map(s.skipped) });

const skipKey = (dhPub, n) => `${b64e(dhPub)}.${n}`;

// Encrypts in place; the message key is never stored.
export async function encrypt(state, sid, plaintext, commitment) {
  if (!state.cks) throw new DecryptError("this session cannot send until it has received a message");
  const [cks, mk] = await kdfCk(state.cks);
  state.cks = cks;
  const header = { dh: state.dhs.pub, pn: state.pn, n: state.ns };
  state.ns += 1;
  const [key, nonce] = await messageKeys(mk);
  return { header, ct: await aeadEncrypt(key, nonce, plaintext, aeadAd(state.ad, sid, header, commitment)) };
}

// Returns {state, plaintext}; the state passed in is never modified.
export async function decrypt(state, sid, header, ct, commitment, source) {
  const work = cloneState(state);
  const ad = aeadAd(work.ad, sid, header, commitment);
  const key = skipKey(header.dh, header.n);
  if (work.skipped.has(key)) {
    const mk = work.skipped.get(key);
    work.skipped.delete(key);
    return { state: work, plaintext: await open(mk, ct, ad) };
  }
  const sameChain = work.dhr !== null && equal(header.dh, work.dhr);
  if (sameChain && header.n < work.nr) throw new ReplayError("that message was already received");
  if (!sameChain) {
    await skip(work, header.pn);
    await dhRatchet(work, header, source);
  }
  await skip(work, header.n);
  const [ckr, mk] = await kdfCk(work.ckr);
  work.ckr = ckr;
  work.nr += 1;
  return { state: work, plaintext: await open(mk, ct, ad) };
}

async function open(mk, ct, ad) {
  const [key, nonce] = await messageKeys(mk);
  return aeadDecrypt(key, nonce, ct, ad);
}

async function skip(state, until) {
  if (!state.ckr || !state.dhr) return;
  if (until - state.nr > MAX_SKIP) throw new TooManySkipped("too many skipped messages");
  while (state.nr < until) {
    const [ckr, mk] = await kdfCk(state.ckr);
    state.ckr = ckr;
    state.skipped.set(skipKey(state.dhr, state.nr), mk);
    state.nr += 1;
  }
  while (state.skipped.size > MAX_STORED_SKIPPED) {
    state.skipped.delete(state.skipped.keys().next().value);
  }
}

async function dhRatchet(state, header, source) {
  state.pn = state.ns;
  state.ns = 0;
  state.nr = 0;
  state.dhr = header.dh;
  [state.rk, state.ckr] = await kdfRk(state.rk, await dh(state.dhs.priv, state.dhr));
  state.dhs = await source.x25519();
  [state.rk, state.cks] = await kdfRk(state.rk, await dh(state.dhs.priv, state.dhr));
}
