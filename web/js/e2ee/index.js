// Huddle's E2EE for the browser: one import for pages. Spec: docs/e2ee.md.
export { SecureSessions, NoSession } from "./sessions.js";
export { SystemKeySource, BadSignature } from "./keys.js";
export { DecryptError } from "./primitives.js";
export { ReplayError, TooManySkipped } from "./ratchet.js";
export { BadEnvelope, b64d, b64e } from "./bytes.js";
export { parse as parseEnvelope, toJson as envelopeToJson } from "./envelope.js";
export { formatted as formatSafetyNumber } from "./safety.js";
export { saveState, loadState, deleteState } from "./store.js";
