// The envelope JSON (schema in docs/e2ee.md and client/e2ee/envelope.py).
import { BadEnvelope, b64d, b64e } from "./bytes.js";
import { identityFromJson, identityToJson, keyId } from "./keys.js";
import { HEADER_LEN, decodeHeader, encodeHeader } from "./ratchet.js";

export const VERSION = 1;
const MIN_CT = 48;
const MAX_CT = 65536 + 48;

export function toJson(env) {
  const out = { v: VERSION, type: env.type, sid: b64e(env.sid) };
  if (env.type === "msg") {
    out.header = b64e(encodeHeader(env.header));
    out.commitment = b64e(env.commitment);
    out.ct = b64e(env.ct);
    if (env.init) {
      out.x3dh = {
        ik: identityToJson(env.init.identity),
        spk_id: env.init.spkId,
        opk_id: env.init.opkId,
      };
    }
  }
  return out;
}

export function parse(data) {
  if (!data || typeof data !== "object") throw new BadEnvelope("envelope must be an object");
  if (data.v !== VERSION) throw new BadEnvelope("unsupported envelope version");
  const sid = b64d(data.sid, 32, "sid");
  if (data.type === "reset") return { type: "reset", sid };
  if (data.type !== "msg") throw new BadEnvelope("envelope type must be msg or reset");
  const ct = b64d(data.ct, null, "ct");
  if (ct.length < MIN_CT || ct.length > MAX_CT) throw new BadEnvelope("ct has an impossible length");
  let init = null;
  if (data.x3dh !== null && data.x3dh !== undefined) {
    if (typeof data.x3dh !== "object") throw new BadEnvelope("x3dh must be an object");
    const opk = data.x3dh.opk_id;
    init = {
      identity: identityFromJson(data.x3dh.ik),
      spkId: keyId(data.x3dh.spk_id),
      opkId: opk === null || opk === undefined ? null : keyId(opk),
    };
  }
  return {
    type: "msg",
    sid,
    header: decodeHeader(b64d(data.header, HEADER_LEN, "header")),
    commitment: b64d(data.commitment, 32, "commitment"),
    ct,
    init,
  };
}
