// Safety numbers, the same 60 digits as client/e2ee/safety.py.
import { concat } from "./bytes.js";
import { sha512 } from "./primitives.js";
import { encodeIdentity } from "./keys.js";

export const ITERATIONS = 5200;

export async function fingerprint(identity) {
  const key = encodeIdentity(identity);
  let digest = concat(new Uint8Array([0, 0]), key);
  for (let i = 0; i < ITERATIONS; i++) digest = await sha512(concat(digest, key));
  let out = "";
  for (let i = 0; i < 30; i += 5) {
    let n = 0n;
    for (const b of digest.slice(i, i + 5)) n = (n << 8n) | BigInt(b);
    out += (n % 100000n).toString().padStart(5, "0");
  }
  return out;
}

export async function safetyNumber(a, b) {
  return [await fingerprint(a), await fingerprint(b)].sort().join("");
}

export const formatted = (number) => number.match(/.{1,5}/g).join(" ");
