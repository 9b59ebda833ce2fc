// The only primitives the protocol uses, all from WebCrypto: X25519, Ed25519, HKDF-SHA256,
// HMAC-SHA256, SHA-512 and AES-256-GCM. Private keys are imported non-extractable.
import { concat } from "./bytes.js";

const subtle = globalThis.crypto.subtle;
export const ZERO_SALT = new Uint8Array(32);
const PKCS8_X25519 = new Uint8Array([48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 110, 4, 34, 4, 32]);
const PKCS8_ED25519 = new Uint8Array([48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32]);

export class DecryptError extends Error {}

export async function hkdf(ikm, salt, info, length) {
  const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8);
  return new Uint8Array(bits);
}

export async function hmacSha256(key, data) {
  const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", k, data));
}

export async function sha512(data) {
  return new Uint8Array(await subtle.digest("SHA-512", data));
}

// An X25519 key pair is {priv: CryptoKey (non-extractable), pub: Uint8Array(32)}.
export async function generateX25519() {
  const pair = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
  const pub = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  return { priv: pair.privateKey, pub };
}

async function publicOf(extractablePriv) {
  // A non-extractable private key cannot give its public half, so read it once while importing.
  const jwk = await subtle.exportKey("jwk", extractablePriv);
  const raw = atob(jwk.x.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

// Test vectors inject fixed private keys: import them through a temporary extractable key,
// keep only the public bytes and a non-extractable private key.
export async function importX25519(raw) {
  const tmp = await subtle.importKey("pkcs8", concat(PKCS8_X25519, raw), { name: "X25519" }, true, ["deriveBits"]);
  const pub = await publicOf(tmp);
  const priv = await subtle.importKey("pkcs8", concat(PKCS8_X25519, raw), { name: "X25519" }, false, ["deriveBits"]);
  return { priv, pub };
}

export async function importEd25519(raw) {
  const tmp = await subtle.importKey("pkcs8", concat(PKCS8_ED25519, raw), { name: "Ed25519" }, true, ["sign"]);
  const pub = await publicOf(tmp);
  const priv = await subtle.importKey("pkcs8", concat(PKCS8_ED25519, raw), { name: "Ed25519" }, false, ["sign"]);
  return { priv, pub };
}

export async function generateEd25519() {
  const pair = await subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const pub = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
  return { priv: pair.privateKey, pub };
}

export async function dh(priv, pubBytes) {
  try {
    const pub = await subtle.importKey("raw", pubBytes, { name: "X25519" }, true, []);
    return new Uint8Array(await subtle.deriveBits({ name: "X25519", public: pub }, priv, 256));
  } catch {
    throw new DecryptError("key agreement failed");
  }
}

export async function ed25519Sign(priv, data) {
  return new Uint8Array(await subtle.sign({ name: "Ed25519" }, priv, data));
}

export async function ed25519Verify(pubBytes, signature, data) {
  try {
    const pub = await subtle.importKey("raw", pubBytes, { name: "Ed25519" }, true, ["verify"]);
    return await subtle.verify({ name: "Ed25519" }, pub, signature, data);
  } catch {
    return false;
  }
}

async function aesKey(key) {
  return subtle.importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function aeadEncrypt(key, nonce, plaintext, ad) {
  const k = await aesKey(key);
  const params = { name: "AES-GCM", iv: nonce, additionalData: ad, tagLength: 128 };
  return new Uint8Array(await subtle.encrypt(params, k, plaintext));
}

export async function aeadDecrypt(key, nonce, ciphertext, ad) {
  const k = await aesKey(key);
  try {
    const params = { name: "AES-GCM", iv: nonce, additionalData: ad, tagLength: 128 };
    return new Uint8Array(await subtle.decrypt(params, k, ciphertext));
  } catch {
    throw new DecryptError("message failed authentication");
  }
}

export function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
