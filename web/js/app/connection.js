// The live connection: socket.io with the token in `auth` (never in the URL), acks turned
// into promises, and connection state reported for the reconnect indicator.
import { io } from "/static/vendor/socket.io/socket.io.esm.min.js";

const ACK_TIMEOUT_MS = 8000;

export class RequestError extends Error {
  constructor(code, message, detail = {}) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/** What a person should read for an error, never the raw payload they sent. */
export function explain(error) {
  switch (error?.code) {
    case "forbidden":
      return "You don't have permission to do that.";
    case "rate_limited":
      return "You're going a little fast. Please wait a moment and try again.";
    case "not_available":
      return "This isn't available on this server yet.";
    case "offline":
      return "You're offline. Huddle will reconnect and you can try again.";
    case "not_found":
      return "That no longer exists.";
    default:
      return error?.message || "Something went wrong. Please try again.";
  }
}

// docs/protocol.md puts the code in `data`; python-socketio 5 sends a lone dict argument as
// the message text instead, so both are accepted.
function isRefusedToken(error) {
  return error?.data?.code === "unauthorized" || /'code': 'unauthorized'/.test(String(error?.message ?? ""));
}

export class Connection {
  constructor(token, { onStatus, onUnauthorized }) {
    this.everConnected = false;
    this.onStatus = onStatus;
    this.socket = io({
      auth: { token },
      transports: ["websocket"],
      autoConnect: false,
      reconnectionDelay: 500,
      reconnectionDelayMax: 3000,
    });
    this.socket.on("connect", () => {
      const again = this.everConnected;
      this.everConnected = true;
      onStatus({ state: "online", again });
    });
    this.socket.on("disconnect", () => onStatus({ state: "offline" }));
    this.socket.on("connect_error", (error) => {
      if (isRefusedToken(error)) onUnauthorized();
      else onStatus({ state: "offline" });
    });
  }

  connect() {
    this.socket.connect();
  }

  close() {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  get connected() {
    return this.socket.connected;
  }

  on(event, handler) {
    this.socket.on(event, handler);
    return () => this.socket.off(event, handler);
  }

  /** Emit and resolve with the ack; reject with RequestError when it is an error. */
  async call(event, payload = {}, timeoutMs = ACK_TIMEOUT_MS) {
    const wasConnected = this.socket.connected;
    let ack;
    try {
      ack = await this.socket.timeout(timeoutMs).emitWithAck(event, payload);
    } catch {
      // A connected server that never answers has no handler for the event.
      if (wasConnected && this.socket.connected) {
        throw new RequestError("not_available", "This isn't available on this server yet.");
      }
      throw new RequestError("offline", "You're offline.");
    }
    if (!ack || ack.ok !== true) {
      const error = ack?.error ?? {};
      throw new RequestError(error.code ?? "internal", error.message ?? "", error);
    }
    return ack;
  }
}
