// Identity (X25519 + Ed25519), signed prekey and one-time prekeys; bundles and their checks.
import { BadEnvelope, b64d, b64e, concat, utf8 } from "./bytes.js";
import { ed25519Sign, ed25519Verify, generateEd25519, generateX25519, randomBytes } from "./primitives.js";

export const SPK_CONTEXT = utf8("Huddle signed prekey v1");

export class BadSignature extends Error {}

export class SystemKeySource {
  x25519() {
    return generateX25519();
  }
  ed25519() {
    return generateEd25519();
  }
  random(n) {
    return randomBytes(n);
  }
}

// A public identity is {dh: Uint8Array(32), sig: Uint8Array(32)}.
export const encodeIdentity = (id) => concat(id.dh, id.sig);
export const identityToJson = (id) => ({ dh: b64e(id.dh), sig: b64e(id.sig) });
export const sameIdentity = (a, b) => b64e(encodeIdentity(a)) === b64e(encodeIdentity(b));

export function identityFromJson(data) {
  if (!data || typeof data !== "object") throw new BadEnvelope("identity must be an object");
  return { dh: b64d(data.dh, 32, "identity.dh"), sig: b64d(data.sig, 32, "identity.sig") };
}

export const publicIdentity = (keys) => ({ dh: keys.dh.pub, sig: keys.sig.pub });

export function spkSignedBytes(identityDh, spkPub) {
  return concat(SPK_CONTEXT, identityDh, spkPub);
}

export async function signPrekey(identityKeys, id, spk) {
  const sig = await ed25519Sign(identityKeys.sig.priv, spkSignedBytes(identityKeys.dh.pub, spk.pub));
  return { id, pub: spk.pub, sig };
}

export const prekeyToJson = (spk) => ({ id: spk.id, pub: b64e(spk.pub), sig: b64e(spk.sig) });

function keyId(value) {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new BadEnvelope("key ids must be integers from 0 to 2^31-1");
  }
  return value;
}

export { keyId };

export async function verifyBundle(bundle) {
  const signed = spkSignedBytes(bundle.identity.dh, bundle.spk.pub);
  if (!(await ed25519Verify(bundle.identity.sig, bundle.spk.sig, signed))) {
    throw new BadSignature("the signed prekey's signature does not verify");
  }
}

// Parse and verify what keys:bundle returned; a bad prekey signature throws BadSignature.
export async function parseBundle(data) {
  if (!data || typeof data !== "object") throw new BadEnvelope("bundle must be an object");
  const s = data.spk;
  if (!s || typeof s !== "object") throw new BadEnvelope("bundle.spk must be an object");
  const bundle = {
    identity: identityFromJson(data.identity),
    spk: { id: keyId(s.id), pub: b64d(s.pub, 32, "spk.pub"), sig: b64d(s.sig, 64, "spk.sig") },
    opk: null,
  };
  if (data.opk !== null && data.opk !== undefined) {
    bundle.opk = { id: keyId(data.opk.id), pub: b64d(data.opk.pub, 32, "opk.pub") };
  }
  await verifyBundle(bundle);
  return bundle;
}
