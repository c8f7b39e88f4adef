// runnel playground: a form built from GET input_schema, a run streamed from
// POST stream_events (server-sent events read with fetch + ReadableStream), the
// output as it arrives and a timeline of the run's steps. No dependencies.
"use strict";

(() => {
  const base = new URL("..", location.href); // {mount}/playground/ -> {mount}/
  const $ = (id) => document.getElementById(id);
  const KEY_STORE = "runnel-playground-api-key";
  const ROLES = ["human", "ai", "system"];

  let readInput = null; // () => the input value, built from the schema
  let controller = null; // AbortController of the running request

  // -- requests -----------------------------------------------------------------------

  function requestHeaders(extra) {
    const out = Object.assign({}, extra);
    const key = $("api-key").value.trim();
    if (key) out["Authorization"] = "Bearer " + key;
    return out;
  }

  async function errorMessage(response) {
    const text = await response.text();
    try {
      const body = JSON.parse(text);
      if (body && typeof body.message === "string") return `${response.status}: ${body.message}`;
    } catch (_) {
      // not JSON: show the text
    }
    return `${response.status}: ${text || response.statusText}`;
  }

  // Yield {event, data} for each server-sent event of a response body.
  async function* serverSentEvents(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
        // A CR at the end may be the first half of CRLF: keep it for the next read.
        const hold = !done && buffer.endsWith("\r") ? "\r" : "";
        if (hold) buffer = buffer.slice(0, -1);
        buffer = buffer.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const parsed = parseEvent(block);
          if (parsed) yield parsed;
        }
        buffer += hold;
        if (done) break;
      }
    } finally {
      reader.releaseLock();
    }
  }

  function parseEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (!line || line.startsWith(":")) continue; // comments are heartbeats
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length && event === "message") return null;
    return { event, data: data.join("\n") };
  }

  // -- the form -----------------------------------------------------------------------

  let schemaRoot = {};
  let fieldCount = 0;

  // `inner` with the annotations (title, default...) `outer` sets itself.
  function annotated(inner, outer) {
    const out = Object.assign({}, inner);
    for (const key of ["title", "description", "default"]) {
      if (outer[key] !== undefined) out[key] = outer[key];
    }
    return out;
  }

  function resolve(schema) {
    let current = schema || {};
    for (let i = 0; i < 10 && current.$ref; i++) {
      const name = current.$ref.replace(/^#\/(\$defs|definitions)\//, "");
      const { $ref, ...rest } = current;
      current = annotated((schemaRoot.$defs || schemaRoot.definitions || {})[name] || {}, rest);
    }
    if (Array.isArray(current.allOf) && current.allOf.length === 1) {
      current = annotated(resolve(current.allOf[0]), current);
    }
    const options = current.anyOf || current.oneOf;
    if (options && !current.discriminator) {
      const real = options.filter((o) => o.type !== "null");
      if (real.length === 1) current = annotated(resolve(real[0]), current);
    }
    return current;
  }

  function isMessages(schema) {
    if (schema.type !== "array" || !schema.items) return false;
    const items = schema.items;
    const mapping = items.discriminator && items.discriminator.mapping;
    if (mapping && "human" in mapping) return true;
    const refs = (items.oneOf || items.anyOf || []).map((o) => o.$ref || "");
    return refs.some((r) => r.endsWith("/HumanMessage"));
  }

  function describe(schema) {
    if (schema.type === "array" && isMessages(schema)) return "messages";
    if (Array.isArray(schema.enum)) return "enum";
    if (schema.type === "object" && schema.properties) return "object";
    if (["string", "integer", "number", "boolean"].includes(schema.type)) return schema.type;
    return "json";
  }

  function newId() {
    fieldCount += 1;
    return "field-" + fieldCount;
  }

  function fieldShell(container, title, hint) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const id = newId();
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = title;
    if (hint) {
      const span = document.createElement("span");
      span.className = "hint";
      span.textContent = " " + hint;
      label.appendChild(span);
    }
    wrap.appendChild(label);
    container.appendChild(wrap);
    return { wrap, id, label };
  }

  // Build the control(s) for `raw` in `container`; return a reader of the value
  // (undefined = leave the key out). Readers throw Error with a message for bad values.
  function buildField(raw, container, title, required) {
    const schema = resolve(raw);
    const kind = describe(schema);
    const label = schema.title || title;
    if (kind === "object") {
      const wrap = document.createElement("div");
      wrap.className = "field";
      const box = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = label;
      box.appendChild(legend);
      wrap.appendChild(box);
      container.appendChild(wrap);
      const needed = new Set(schema.required || []);
      const readers = Object.entries(schema.properties).map(([name, prop]) => [
        name,
        buildField(prop, box, name, needed.has(name)),
      ]);
      return () => {
        const out = {};
        for (const [name, read] of readers) {
          const value = read();
          if (value !== undefined) out[name] = value;
        }
        return out;
      };
    }
    const hint = required ? "" : "(optional)";
    const { wrap, id } = fieldShell(container, label, kind === "json" ? hint + " JSON or text" : hint);
    if (kind === "messages") return messagesEditor(wrap, id, label);
    if (kind === "enum") {
      const select = document.createElement("select");
      select.id = id;
      if (!required) select.appendChild(new Option("", ""));
      for (const value of schema.enum) select.appendChild(new Option(String(value), JSON.stringify(value)));
      if (schema.default !== undefined) select.value = JSON.stringify(schema.default);
      wrap.appendChild(select);
      return () => (select.value === "" ? undefined : JSON.parse(select.value));
    }
    if (kind === "boolean") {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = id;
      box.checked = schema.default === true;
      wrap.appendChild(box);
      return () => box.checked;
    }
    if (kind === "integer" || kind === "number") {
      const input = document.createElement("input");
      input.type = "number";
      input.id = id;
      if (kind === "integer") input.step = "1";
      if (schema.default !== undefined) input.value = schema.default;
      wrap.appendChild(input);
      return () => {
        if (input.value === "") {
          if (required) throw new Error(`${label} is required`);
          return undefined;
        }
        return Number(input.value);
      };
    }
    const area = document.createElement("textarea");
    area.id = id;
    area.rows = kind === "string" ? 3 : 4;
    area.className = kind === "string" ? "prose" : "";
    area.spellcheck = kind === "string";
    if (typeof schema.default === "string") area.value = schema.default;
    wrap.appendChild(area);
    if (kind === "string") {
      return () => (area.value === "" && !required ? undefined : area.value);
    }
    return () => {
      const text = area.value.trim();
      if (!text) {
        if (required) throw new Error(`${label} is required`);
        return undefined;
      }
      try {
        return JSON.parse(text);
      } catch (_) {
        return area.value; // not JSON: the text itself
      }
    };
  }

  function messagesEditor(wrap, id, label) {
    const rows = document.createElement("div");
    wrap.appendChild(rows);
    const add = document.createElement("button");
    add.type = "button";
    add.className = "small";
    add.textContent = "+ message";
    wrap.appendChild(add);
    const addRow = (role, first) => {
      const row = document.createElement("div");
      row.className = "message-row";
      const select = document.createElement("select");
      select.setAttribute("aria-label", "role");
      for (const r of ROLES) select.appendChild(new Option(r, r));
      select.value = role;
      const text = document.createElement("textarea");
      text.rows = 2;
      text.className = "prose";
      if (first) text.id = id;
      else text.setAttribute("aria-label", label + " message");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "small";
      remove.textContent = "×";
      remove.title = "remove";
      remove.onclick = () => row.remove();
      row.append(select, text, remove);
      rows.appendChild(row);
    };
    addRow("human", true);
    add.onclick = () => addRow(ROLES[rows.children.length % 2], false);
    return () =>
      Array.from(rows.children)
        .map((row) => ({ type: row.querySelector("select").value, content: row.querySelector("textarea").value }))
        .filter((m) => m.content !== "");
  }

  let loading = false; // one schema request at a time

  async function loadSchema() {
    loading = true;
    try {
      await showSchema();
    } finally {
      loading = false;
    }
  }

  async function showSchema() {
    $("status").textContent = "";
    let response;
    try {
      response = await fetch(new URL("input_schema", base), { headers: requestHeaders({}) });
    } catch (error) {
      $("fields").textContent = "Cannot reach the server: " + error.message;
      return;
    }
    if (response.status === 401) {
      $("key-row").hidden = false;
      $("fields").textContent = "This server needs an API key: enter it above.";
      return;
    }
    if (!response.ok) {
      $("fields").textContent = "Cannot load the input schema: " + (await errorMessage(response));
      return;
    }
    schemaRoot = await response.json();
    const fields = $("fields");
    fields.replaceChildren();
    readInput = buildField(schemaRoot, fields, "Input", true);
    $("run").disabled = false;
  }

  // -- a run --------------------------------------------------------------------------

  const runs = new Map(); // run_id -> {row, cells, start, end, tokens, type}
  let rootId = null;
  let started = 0;
  let textOutput = true;

  function resetRun() {
    runs.clear();
    rootId = null;
    textOutput = true;
    $("output").textContent = "";
    $("error").hidden = true;
    $("timeline").tBodies[0].replaceChildren();
    started = performance.now();
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = false;
  }

  function chunkText(chunk) {
    if (typeof chunk === "string") return chunk;
    if (chunk && typeof chunk === "object" && "content" in chunk) {
      const content = chunk.content;
      if (typeof content === "string") return content;
      if (Array.isArray(content)) {
        return content
          .map((b) => (typeof b === "string" ? b : b && b.type === "text" ? b.text || "" : ""))
          .join("");
      }
    }
    if (chunk && typeof chunk === "object" && typeof chunk.text === "string") return chunk.text;
    return null;
  }

  function appendOutput(chunk) {
    const text = chunkText(chunk);
    if (text === null) {
      textOutput = false;
      $("output").textContent = JSON.stringify(chunk, null, 2);
      return;
    }
    if (!textOutput) return; // a JSON output is shown whole at the end
    $("output").append(text); // one text node per chunk: no re-render of what is there
  }

  function elapsed() {
    return performance.now() - started;
  }

  function formatMs(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
  }

  function addRun(event, type) {
    const row = document.createElement("tr");
    row.dataset.type = type;
    row.dataset.state = "running";
    row.dataset.runId = event.run_id;
    const cells = {};
    for (const name of ["step", "type", "start", "time", "tokens", "bar"]) {
      const cell = document.createElement("td");
      cell.className = name === "step" || name === "type" ? name : name === "bar" ? "bar-cell" : "num " + name;
      row.appendChild(cell);
      cells[name] = cell;
    }
    const depth = (event.parent_ids || []).length;
    cells.step.textContent = event.name;
    cells.step.style.paddingLeft = 0.5 + depth * 1.1 + "rem";
    cells.type.textContent = type;
    const track = document.createElement("div");
    track.className = "bar-track";
    const bar = document.createElement("div");
    bar.className = "bar";
    track.appendChild(bar);
    cells.bar.appendChild(track);
    const info = { row, cells, bar, start: elapsed(), end: null, tokens: 0, usage: null, type };
    cells.start.textContent = formatMs(info.start);
    cells.time.textContent = "…";
    $("timeline").tBodies[0].appendChild(row);
    runs.set(event.run_id, info);
    return info;
  }

  function drawBars() {
    const total = Math.max(elapsed(), 1);
    for (const info of runs.values()) {
      const end = info.end === null ? elapsed() : info.end;
      info.bar.style.left = (100 * info.start) / total + "%";
      info.bar.style.width = (100 * (end - info.start)) / total + "%";
    }
  }

  function showTokens(info) {
    let text = info.tokens ? String(info.tokens) : "";
    const usage = info.usage;
    if (usage) text += ` (in ${usage.input_tokens} / out ${usage.output_tokens})`;
    info.cells.tokens.textContent = text;
  }

  function handleEvent(event) {
    const match = /^on_(.+)_(start|stream|end|error)$/.exec(event.event || "");
    if (!match) return;
    const [, type, phase] = match;
    const isRoot = (event.parent_ids || []).length === 0;
    if (rootId === null && isRoot) rootId = event.run_id;
    let info = runs.get(event.run_id);
    if (phase === "start") {
      if (!info) addRun(event, type);
    } else if (phase === "stream") {
      if (info && (type === "chat_model" || type === "llm")) {
        info.tokens += 1;
        showTokens(info);
      }
      if (event.run_id === rootId) appendOutput((event.data || {}).chunk);
    } else {
      if (!info) info = addRun(event, type);
      info.end = elapsed();
      info.row.dataset.state = phase === "error" ? "error" : "done";
      info.cells.time.textContent = formatMs(info.end - info.start);
      const output = (event.data || {}).output;
      if (output && typeof output === "object" && output.usage_metadata) {
        info.usage = output.usage_metadata;
        showTokens(info);
      }
      if (event.run_id === rootId && phase === "end" && !textOutput && output !== undefined) {
        $("output").textContent = JSON.stringify(output, null, 2);
      }
    }
    drawBars();
  }

  async function run(submit) {
    submit.preventDefault();
    if (!readInput) return;
    let input;
    let config;
    try {
      input = readInput();
      config = JSON.parse($("config").value.trim() || "{}");
    } catch (error) {
      showError(error.message);
      return;
    }
    resetRun();
    controller = new AbortController();
    $("run").disabled = true;
    $("stop").disabled = false;
    $("status").textContent = "running…";
    let outcome = "done";
    try {
      const response = await fetch(new URL("stream_events", base), {
        method: "POST",
        headers: requestHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
        body: JSON.stringify({ input, config }),
        signal: controller.signal,
      });
      if (!response.ok) {
        if (response.status === 401) $("key-row").hidden = false;
        throw new Error(await errorMessage(response));
      }
      for await (const message of serverSentEvents(response.body)) {
        if (message.event === "data") handleEvent(JSON.parse(message.data));
        else if (message.event === "error") {
          const body = JSON.parse(message.data);
          outcome = "failed";
          showError(`${body.status_code || ""}: ${body.message || "error"}`);
        } else if (message.event === "end") break;
      }
    } catch (error) {
      outcome = error.name === "AbortError" ? "stopped" : "failed";
      if (error.name !== "AbortError") showError(error.message);
    } finally {
      controller = null;
      for (const info of runs.values()) {
        if (info.end !== null) continue; // a step cut short by a failure or a stop
        info.end = elapsed();
        info.row.dataset.state = outcome === "done" ? "done" : "error";
        info.cells.time.textContent = outcome;
      }
      $("run").disabled = false;
      $("stop").disabled = true;
      $("status").textContent = `${outcome} in ${formatMs(elapsed())}`;
      drawBars();
    }
  }

  // -- wiring -------------------------------------------------------------------------

  $("target").textContent = base.pathname;
  $("api-key").value = sessionStorage.getItem(KEY_STORE) || "";
  if ($("api-key").value) $("key-row").hidden = false;
  const useKey = () => {
    sessionStorage.setItem(KEY_STORE, $("api-key").value.trim());
    if (!readInput && !loading) loadSchema();
  };
  $("api-key").addEventListener("change", useKey);
  $("key-row").addEventListener("submit", (submit) => {
    submit.preventDefault();
    useKey();
  });
  $("run-form").addEventListener("submit", run);
  $("stop").addEventListener("click", () => controller && controller.abort());
  $("run").disabled = true;
  loadSchema();
})();
