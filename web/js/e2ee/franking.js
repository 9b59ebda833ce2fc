// Message franking, client side (see client/e2ee/franking.py): HMAC-SHA256(franking key, text)
// commits to key and text, which AES-GCM alone does not ("invisible salamanders").
import { BadEnvelope, concat, equal, fromUtf8 } from "./bytes.js";
import { DecryptError, hmacSha256 } from "./primitives.js";

export const FRANKING_KEY_LEN = 32;

export function commit(frankingKey, plaintext) {
  if (frankingKey.length !== FRANKING_KEY_LEN) throw new Error("franking keys are 32 bytes");
  return hmacSha256(frankingKey, plaintext);
}

export async function opens(frankingKey, plaintext, commitment) {
  if (frankingKey.length !== FRANKING_KEY_LEN) return false;
  return equal(await commit(frankingKey, plaintext), commitment);
}

export const sealPayload = (frankingKey, body) => concat(frankingKey, body);

export async function openPayload(payload, commitment) {
  const frankingKey = payload.slice(0, FRANKING_KEY_LEN);
  const body = payload.slice(FRANKING_KEY_LEN);
  if (!(await opens(frankingKey, body, commitment))) {
    throw new DecryptError("message does not match its franking commitment");
  }
  try {
    return { frankingKey, text: fromUtf8(body) };
  } catch {
    throw new BadEnvelope("message text is not UTF-8");
  }
}
