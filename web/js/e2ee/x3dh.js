// X3DH session set-up: the same info string, inputs and associated data as client/e2ee/x3dh.py.
import { concat, utf8 } from "./bytes.js";
import { ZERO_SALT, dh, hkdf } from "./primitives.js";
import { encodeIdentity, publicIdentity, verifyBundle } from "./keys.js";

export const X3DH_INFO = utf8("Huddle X3DH v1");
const F = new Uint8Array(32).fill(0xff);

export const associatedData = (initiator, responder) =>
  concat(encodeIdentity(initiator), encodeIdentity(responder));

const derive = (dhs) => hkdf(concat(F, ...dhs), ZERO_SALT, X3DH_INFO, 32);

export async function initiate(own, bundle, ephemeral) {
  await verifyBundle(bundle);
  const dhs = [
    await dh(own.dh.priv, bundle.spk.pub),
    await dh(ephemeral.priv, bundle.identity.dh),
    await dh(ephemeral.priv, bundle.spk.pub),
  ];
  if (bundle.opk) dhs.push(await dh(ephemeral.priv, bundle.opk.pub));
  return { secret: await derive(dhs), ad: associatedData(publicIdentity(own), bundle.identity), dhs };
}

export async function respond(own, spk, opk, peer, ephemeralPub) {
  const dhs = [
    await dh(spk.priv, peer.dh),
    await dh(own.dh.priv, ephemeralPub),
    await dh(spk.priv, ephemeralPub),
  ];
  if (opk) dhs.push(await dh(opk.priv, ephemeralPub));
  return { secret: await derive(dhs), ad: associatedData(peer, publicIdentity(own)), dhs };
}
