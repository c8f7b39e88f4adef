// Drive runnel's UI message stream endpoint with the AI SDK's own client code.
//
// Usage: node chat.mjs '<json list of scripts>'; prints a JSON list of reports on stdout,
// one per script, run in order.
//
// Script: {"url": ..., "sdk": "ai" | "ai5", "mode": "chat" | "transport",
//          "turns": ["first user text", ...], "headers": {...}, "body": {...}}
//
// mode "chat": an AbstractChat (the class useChat wraps) with a plain in-memory state
//   sends each turn in order, so later turns carry the earlier answers as UI messages.
//   Report: {"messages", "status", "error", "finished", "data"}.
// mode "transport": DefaultChatTransport.sendMessages + readUIMessageStream on one turn.
//   Report: {"snapshots": [text of each snapshot], "message", "errors"}.

const sdks = { ai: await import("ai"), ai5: await import("ai5") };

function transport(script) {
  const { DefaultChatTransport } = sdks[script.sdk ?? "ai"];
  return new DefaultChatTransport({ api: script.url, headers: script.headers ?? {} });
}

function userMessage(text, index) {
  return { id: `u${index}`, role: "user", parts: [{ type: "text", text }] };
}

class MemoryState {
  constructor() {
    this.status = "ready";
    this.error = undefined;
    this.messages = [];
  }
  pushMessage(message) {
    this.messages = this.messages.concat(message);
  }
  popMessage() {
    this.messages = this.messages.slice(0, -1);
  }
  replaceMessage(index, message) {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  }
  snapshot(thing) {
    return structuredClone(thing);
  }
}

async function runChat(script) {
  class TestChat extends sdks[script.sdk ?? "ai"].AbstractChat {
    constructor(init) {
      super({ ...init, state: new MemoryState() });
    }
  }

  const finished = [];
  const data = [];
  const errors = [];
  const chat = new TestChat({
    id: "chat-1",
    transport: transport(script),
    onFinish: (event) => finished.push(event.message.id),
    onData: (part) => data.push(part),
    onError: (error) => errors.push(String(error.message ?? error)),
  });
  for (const text of script.turns) {
    await chat.sendMessage({ text }, { body: script.body ?? {} });
    if (chat.status === "error") break;
  }
  return {
    messages: chat.messages,
    status: chat.status,
    error: chat.error ? String(chat.error.message) : null,
    errors,
    finished,
    data,
  };
}

async function runTransport(script) {
  const { readUIMessageStream } = sdks[script.sdk ?? "ai"];
  const errors = [];
  const stream = await transport(script).sendMessages({
    trigger: "submit-message",
    chatId: "chat-1",
    messageId: undefined,
    messages: script.turns.map(userMessage),
    abortSignal: undefined,
    body: script.body ?? {},
  });
  const snapshots = [];
  let message = null;
  for await (const snapshot of readUIMessageStream({
    stream,
    onError: (error) => errors.push(String(error.message ?? error)),
  })) {
    message = snapshot;
    snapshots.push(
      snapshot.parts
        .filter((part) => part.type === "text")
        .map((part) => part.text)
        .join(""),
    );
  }
  return { snapshots, message, errors };
}

const reports = [];
for (const script of JSON.parse(process.argv[2])) {
  try {
    reports.push(script.mode === "transport" ? await runTransport(script) : await runChat(script));
  } catch (error) {
    reports.push({ thrown: String(error.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(reports));
