// Runs one whole CUSTOMER chat with the real amazon-connect-chatjs 5.0.0 in Node against a
// trioconnect emulator, and prints one JSON object describing everything that was observed.
//
//   node run_chat.mjs http://127.0.0.1:PORT [--timeout SECONDS]
//
// Steps: POST /start-chat, connect(), wait until the WebSocket is subscribed and the first deep
// heartbeat (aws/ping) is answered, send a text and a markdown message, send typing, wait for the
// agent's echoes, typing and receipts, send delivered/read receipts for both echoes,
// getTranscript(), sendAttachment() + downloadAttachment(), disconnectParticipant(), wait for
// onEnded and for ChatJS to close the socket.
//
// stdout carries exactly one JSON line (also on failure: {"ok": false, "error": ...}); ChatJS
// warnings and errors go to stderr with every token replaced by a label. The exit code is 0 when
// every step completed, 1 otherwise.

import { createHash } from "node:crypto";
import { WebSocket as NodeWebSocket } from "ws";

const CT = {
  typing: "application/vnd.amazonaws.connect.event.typing",
  read: "application/vnd.amazonaws.connect.event.message.read",
  delivered: "application/vnd.amazonaws.connect.event.message.delivered",
};
const TEXT = "Hello from ChatJS";
const MARKDOWN = "**bold** _markdown_ text";
const ATTACHMENT_NAME = "notes.txt";
const ATTACHMENT_TEXT = "Attachment sent by ChatJS through the emulator.\nline 2 \u00e9\u00e8\n";

// ---------------------------------------------------------------------------------------------
// Arguments and the observation record
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = { baseUrl: null, timeout: 25 };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === "--timeout") {
      args.timeout = Number(argv[(i += 1)]);
    } else if (!args.baseUrl) {
      args.baseUrl = argv[i].replace(/\/+$/, "");
    }
  }
  if (!args.baseUrl || !/^https?:\/\//.test(args.baseUrl) || !(args.timeout > 0)) {
    process.stderr.write("usage: node run_chat.mjs http://127.0.0.1:PORT [--timeout SECONDS]\n");
    process.exit(2);
  }
  return args;
}

const started = Date.now();
const elapsed = () => Date.now() - started;

const observed = {
  ok: false,
  step: "init",
  error: null,
  chatjs_version: null,
  base_url: null,
  contact_id: null,
  participant_id: null,
  callbacks: {
    connection_established: [],
    connection_broken: [],
    connection_lost: [],
    deep_heartbeat_success: 0,
    deep_heartbeat_failure: [],
    message: [],
    typing: [],
    read_receipt: [],
    delivered_receipt: [],
    ended: [],
  },
  sent: {},
  connections: [],
  transcript: null,
  attachment: null,
  http: [],
  websocket: { opened: [], frames_out: {}, frames_in: {}, closed: [], errors: [] },
  timeline: [],
};

const secrets = new Map(); // token value -> label, so no token ever reaches the output

function addSecret(value, label) {
  if (typeof value === "string" && value.length >= 8 && !secrets.has(value)) {
    secrets.set(value, `<${label}#${secrets.size + 1}>`);
  }
}

function redact(text) {
  let out = String(text);
  for (const [value, label] of secrets) {
    out = out.split(value).join(label);
  }
  return out.replace(/AuthToken=[^&"\s]+/g, "AuthToken=<redacted>");
}

function logLine(tag, parts) {
  const text = parts.map((p) => (typeof p === "string" ? p : (JSON.stringify(p) ?? String(p))));
  process.stderr.write(`[${tag}] ${redact(text.join(" "))}\n`);
}

function mark(what, extra = {}) {
  observed.timeline.push({ t: elapsed(), what, ...extra });
}

function count(table, key) {
  table[key] = (table[key] || 0) + 1;
}

// ---------------------------------------------------------------------------------------------
// What ChatJS needs outside a browser
// ---------------------------------------------------------------------------------------------

function frameTopic(data) {
  try {
    const frame = JSON.parse(String(data));
    if (frame && typeof frame === "object") {
      if (frame.topic === "aws/chat") {
        const item = typeof frame.content === "string" ? JSON.parse(frame.content) : null;
        if (!item) return "aws/chat <object>";
        return `aws/chat ${item.Type} ${item.ContentType || ""}`.trim();
      }
      return frame.topic || "<no topic>";
    }
  } catch {
    return "<not json>";
  }
  return "<not an object>";
}

// The `ws` WebSocket, recording the topics that cross it and how it closes.
class RecordingWebSocket extends NodeWebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    const id = observed.websocket.opened.length + 1;
    observed.websocket.opened.push({ id, t: elapsed(), url: redact(url).replace(/\?.*$/, "") });
    this.on("message", (data) => count(observed.websocket.frames_in, frameTopic(data)));
    this.on("close", (code, reason) => {
      observed.websocket.closed.push({ id, t: elapsed(), code, reason: String(reason) });
      poke();
    });
    this.on("error", (error) => observed.websocket.errors.push(redact(error.message)));
    this.on("unexpected-response", (request, response) => {
      observed.websocket.errors.push(`handshake answered HTTP ${response.statusCode}`);
      request.destroy();
    });
  }

  send(data, ...rest) {
    count(observed.websocket.frames_out, frameTopic(data));
    return super.send(data, ...rest);
  }
}

// fetch, recording method, path and status of every request (never headers or bodies).
function recordingFetch(realFetch) {
  return async (input, init = {}) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const method = (init.method || input.method || "GET").toUpperCase();
    const entry = { method, path: url.pathname };
    observed.http.push(entry);
    try {
      const response = await realFetch(input, init);
      entry.status = response.status;
      entry.error_type = response.headers.get("x-amzn-errortype") || undefined;
      if (url.pathname.endsWith("/participant/connection") && response.ok) {
        const body = await response.clone().json().catch(() => ({}));
        addSecret(body.ConnectionCredentials?.ConnectionToken, "ConnectionToken");
        observed.connections.push({
          t: elapsed(),
          connection_expiry: body.ConnectionCredentials?.Expiry,
          websocket_expiry: body.Websocket?.ConnectionExpiry,
          websocket_url_prefix: String(body.Websocket?.Url || "").replace(/\?.*$/, ""),
        });
      }
      return response;
    } catch (error) {
      entry.error = String(error && error.message);
      throw error;
    }
  };
}

function defineGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
}

function installBrowserShims() {
  // The bundle is a browser script: it reads `self`, sets `window.connect`, polls
  // `navigator.onLine` and reads `navigator.userAgent`. Client-side metrics (the only user of
  // `document`) are turned off with disableCSM, so no document is provided.
  defineGlobal("self", globalThis);
  defineGlobal("window", globalThis);
  defineGlobal("navigator", { userAgent: `node/${process.versions.node}`, onLine: true });
  defineGlobal("WebSocket", RecordingWebSocket);
  defineGlobal("fetch", recordingFetch(globalThis.fetch.bind(globalThis)));
}

// ---------------------------------------------------------------------------------------------
// Waiting for callbacks
// ---------------------------------------------------------------------------------------------

const waiters = [];

function waitFor(what, predicate) {
  return new Promise((resolve) => {
    const waiter = { what, predicate, resolve };
    if (!predicate()) {
      waiters.push(waiter);
    } else {
      resolve();
    }
  });
}

function poke() {
  for (const waiter of [...waiters]) {
    if (waiter.predicate()) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

function summarizeItem(data) {
  const item = { ...(data || {}) };
  const summary = {
    t: elapsed(),
    Id: item.Id,
    Type: item.Type,
    ContentType: item.ContentType,
    ParticipantRole: item.ParticipantRole,
    Content: item.Content,
    ContactId: item.ContactId,
  };
  if (item.Attachments) summary.Attachments = item.Attachments;
  if (item.MessageMetadata) summary.MessageMetadata = item.MessageMetadata;
  return summary;
}

function registerCallbacks(session) {
  const cb = observed.callbacks;
  const on = (register, record) => {
    register((event) => {
      record(event);
      poke();
    });
  };
  on(session.onConnectionEstablished.bind(session), (e) =>
    cb.connection_established.push({ t: elapsed(), connectSuccess: e && e.connectSuccess }),
  );
  on(session.onConnectionBroken.bind(session), (e) =>
    cb.connection_broken.push({ t: elapsed(), event: redact(JSON.stringify(e || {})) }),
  );
  on(session.onConnectionLost.bind(session), () => cb.connection_lost.push({ t: elapsed() }));
  on(session.onDeepHeartbeatSuccess.bind(session), () => (cb.deep_heartbeat_success += 1));
  on(session.onDeepHeartbeatFailure.bind(session), (e) =>
    cb.deep_heartbeat_failure.push({ t: elapsed(), event: redact(JSON.stringify(e || {})) }),
  );
  on(session.onMessage.bind(session), (e) => cb.message.push(summarizeItem(e.data)));
  on(session.onTyping.bind(session), (e) => cb.typing.push(summarizeItem(e.data)));
  on(session.onReadReceipt.bind(session), (e) => cb.read_receipt.push(summarizeItem(e.data)));
  on(session.onDeliveredReceipt.bind(session), (e) =>
    cb.delivered_receipt.push(summarizeItem(e.data)),
  );
  on(session.onEnded.bind(session), () => {
    cb.ended.push({ t: elapsed() });
    mark("onEnded");
  });
}

// ---------------------------------------------------------------------------------------------
// The chat
// ---------------------------------------------------------------------------------------------

async function startChat(baseUrl) {
  const response = await fetch(`${baseUrl}/start-chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ParticipantDetails: { DisplayName: "ChatJS customer" } }),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(`/start-chat answered ${response.status}: ${JSON.stringify(body)}`);
  }
  const result = body.data.startChatResult;
  addSecret(result.ParticipantToken, "ParticipantToken");
  return result;
}

function responseData(response) {
  return (response && response.data) || {};
}

async function sendAndWaitForAgent(session) {
  const cb = observed.callbacks;
  observed.step = "sendMessage";
  const text = await session.sendMessage({ contentType: "text/plain", message: TEXT });
  const markdown = await session.sendMessage({ contentType: "text/markdown", message: MARKDOWN });
  observed.sent.text = { Id: responseData(text).Id, AbsoluteTime: responseData(text).AbsoluteTime };
  observed.sent.markdown = { Id: responseData(markdown).Id };
  mark("sent messages");

  observed.step = "sendEvent typing";
  const typing = await session.sendEvent({ contentType: CT.typing });
  observed.sent.typing = { Id: responseData(typing).Id };

  observed.step = "wait for agent echo, typing and receipts";
  const echoOf = (content) => (m) =>
    m.ParticipantRole === "AGENT" && m.Type === "MESSAGE" && String(m.Content).includes(content);
  const textId = observed.sent.text.Id;
  const receiptFor = (list) => list.some((r) => r.MessageMetadata?.MessageId === textId);
  const echoed = (text) => cb.message.some(echoOf(text));
  await waitFor("agent echo", () => echoed(TEXT) && echoed(MARKDOWN));
  await waitFor("agent typing", () => cb.typing.some((t) => t.ParticipantRole === "AGENT"));
  const receipted = () => receiptFor(cb.read_receipt) && receiptFor(cb.delivered_receipt);
  await waitFor("agent receipts", receipted);
  mark("agent answered");
  return [cb.message.find(echoOf(TEXT)), cb.message.find(echoOf(MARKDOWN))];
}

async function sendReceipts(session, echoes) {
  // Every receipt of this participant carries the same literal ClientToken (a ChatJS 5.0.0
  // quirk), so two messages per kind check that the server does not replay the first answer.
  observed.step = "sendEvent receipts";
  const sendReceipt = async (contentType, echo) => {
    const content = JSON.stringify({ messageId: echo.Id });
    const response = await session.sendEvent({ contentType, content });
    const kind = contentType === CT.read ? "read" : "delivered";
    return { kind, for_message: echo.Id, Id: responseData(response).Id || null };
  };
  observed.sent.receipts = [];
  for (const contentType of [CT.delivered, CT.read]) {
    for (const echo of echoes) {
      observed.sent.receipts.push(await sendReceipt(contentType, echo));
    }
  }
  mark("sent receipts");
}

async function fetchTranscript(session) {
  observed.step = "getTranscript";
  const response = await session.getTranscript({ maxResults: 100, sortOrder: "ASCENDING" });
  const data = responseData(response);
  const items = data.Transcript || [];
  observed.transcript = {
    length: items.length,
    InitialContactId: data.InitialContactId,
    items: items.map((i) => ({
      Id: i.Id,
      Type: i.Type,
      ContentType: i.ContentType,
      ParticipantRole: i.ParticipantRole,
      Content: i.Content,
      MessageId: i.MessageMetadata ? i.MessageMetadata.MessageId : undefined,
    })),
  };
}

async function roundTripAttachment(session) {
  observed.step = "sendAttachment";
  const bytes = Buffer.from(ATTACHMENT_TEXT, "utf8");
  const file = new File([bytes], ATTACHMENT_NAME, { type: "text/plain" });
  await session.sendAttachment({ attachment: file });
  observed.step = "wait for ATTACHMENT item";
  const isMine = (m) => m.Type === "ATTACHMENT" && m.ParticipantRole === "CUSTOMER";
  await waitFor("attachment item", () => observed.callbacks.message.some(isMine));
  const item = observed.callbacks.message.find(isMine);
  const attachmentId = item.Attachments[0].AttachmentId;

  observed.step = "downloadAttachment";
  const blob = await session.downloadAttachment({ attachmentId });
  const received = Buffer.from(await blob.arrayBuffer());
  const sha = (b) => createHash("sha256").update(b).digest("hex");
  observed.attachment = {
    attachment_id: attachmentId,
    name: item.Attachments[0].AttachmentName,
    status: item.Attachments[0].Status,
    sent_size: bytes.length,
    received_size: received.length,
    sent_sha256: sha(bytes),
    received_sha256: sha(received),
    received_base64: received.toString("base64"),
    blob_type: blob.type,
  };
}

async function runChat(baseUrl) {
  observed.step = "import amazon-connect-chatjs";
  await import("amazon-connect-chatjs");
  const connect = globalThis.connect;
  observed.chatjs_version = connect.version || (connect.ChatJS && connect.ChatJS.version) || null;
  connect.ChatSession.setGlobalConfig({
    region: "us-west-2",
    endpoint: baseUrl,
    loggerConfig: {
      level: connect.ChatSession.LogLevel.WARN,
      advancedLogWriter: "debug",
      customizedLogger: {
        debug: () => {},
        info: () => {},
        warn: (...msg) => logLine("chatjs warn", msg),
        error: (...msg) => logLine("chatjs error", msg),
      },
    },
    features: { messageReceipts: { shouldSendMessageReceipts: true, throttleTime: 100 } },
  });

  observed.step = "POST /start-chat";
  const details = await startChat(baseUrl);
  observed.contact_id = details.ContactId;
  observed.participant_id = details.ParticipantId;

  const session = connect.ChatSession.create({
    chatDetails: {
      contactId: details.ContactId,
      participantId: details.ParticipantId,
      participantToken: details.ParticipantToken,
    },
    options: { region: "us-west-2" },
    type: "CUSTOMER",
    disableCSM: true,
  });
  registerCallbacks(session);

  observed.step = "connect";
  const result = await session.connect();
  mark("connect resolved", { connectSuccess: result && result.connectSuccess });
  observed.step = "wait for WebSocket (second onConnectionEstablished + first ping answer)";
  await waitFor("socket open", () => observed.callbacks.connection_established.length >= 2);
  await waitFor("deep heartbeat", () => observed.callbacks.deep_heartbeat_success >= 1);
  mark("websocket ready");

  const echoes = await sendAndWaitForAgent(session);
  await sendReceipts(session, echoes);
  await fetchTranscript(session);
  await roundTripAttachment(session);

  observed.step = "disconnectParticipant";
  mark("disconnect called");
  await session.disconnectParticipant();
  mark("disconnect resolved");
  observed.step = "wait for onEnded";
  await waitFor("onEnded", () => observed.callbacks.ended.length >= 1);
  observed.step = "wait for the client to close the socket";
  const { closed, opened } = observed.websocket;
  await waitFor("socket closed", () => closed.length >= opened.length);
  observed.step = "done";
  observed.ok = true;
}

function finish(code) {
  process.stdout.write(`${redact(JSON.stringify(observed))}\n`, () => process.exit(code));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  observed.base_url = args.baseUrl;
  installBrowserShims();
  const timer = setTimeout(() => {
    const pending = waiters.map((w) => w.what).join(", ") || "a ChatJS promise";
    observed.error =
      `timed out after ${args.timeout}s during step "${observed.step}" (waiting for ${pending})`;
    finish(1);
  }, args.timeout * 1000);
  try {
    await runChat(args.baseUrl);
    clearTimeout(timer);
    finish(0);
  } catch (error) {
    clearTimeout(timer);
    observed.error = redact(
      error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error),
    );
    finish(1);
  }
}

process.on("unhandledRejection", (reason) => {
  logLine("driver", ["unhandled rejection:", reason]);
});

main();
