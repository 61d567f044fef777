// The supervisors' live board: the branch's lines as their calls come and go (the websocket's hello,
// line.status and call.* messages) and its operators (GET /api/v1/board, fetched again whenever a
// message says a state or a figure changed). Durations tick every second; nothing needs a reload.
"use strict";

(() => {
  const root = document.getElementById("board");
  if (!root) return;
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const T = JSON.parse(document.getElementById("board-texts").textContent);
  const STATES = JSON.parse(document.getElementById("board-states").textContent);
  const clock = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
    timeZone: root.dataset.timezone, hour: "2-digit", minute: "2-digit", hour12: false,
  });
  const lines = new Map(); // name -> { name, label, status, call }
  let agents = [];
  let refetch = null;

  function duration(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const hms = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
    return (hms[0] ? [hms[0], ...hms.slice(1).map((n) => String(n).padStart(2, "0"))] : [hms[1], String(hms[2]).padStart(2, "0")]).join(":");
  }

  function who(call) {
    if (call.customer) return call.customer;
    if (call.number) return window.CtidPhone.shown(call.e164, call.number);
    return call.reason ? T.private : T.no_number;
  }

  function lineState(line) {
    if (line.call) return line.call.answeredAt ? "in call" : "ringing";
    return line.status === "up" ? "up" : line.status;
  }

  function renderLines() {
    const now = Date.now();
    const rows = [...lines.values()].map((line) => {
      const state = lineState(line);
      const call = line.call;
      const since = call ? (call.answeredAt || call.ringingAt) : null;
      return el("tr", { dataset: { line: line.name, state: state.replace(" ", "-") } },
        el("td", {}, line.label || line.name),
        el("td", {}, el("span", { class: `status ${state === "up" ? "" : state === "down" ? "status-down" : "status-up"}` }, T[state] || state)),
        el("td", { class: "with" }, call ? who(call) : ""),
        el("td", { class: "for num" }, since ? duration((now - since) / 1000) : ""),
        el("td", { class: "handler" }, call && call.handler ? call.handler : ""));
    });
    document.getElementById("board-lines").replaceChildren(...rows);
  }

  function renderAgents() {
    const now = Date.now();
    const rows = agents.map((a) => el("tr", { dataset: { agent: a.id, state: a.state } },
      el("td", {}, a.label),
      el("td", {}, el("span", { class: `status agent-${a.state}` }, STATES[a.state] || a.state)),
      el("td", { class: "since num", title: a.since ? clock.format(new Date(a.since)) : null },
        a.since ? duration((now - Date.parse(a.since)) / 1000) : ""),
      el("td", { class: "num calls" }, a.calls),
      el("td", { class: "num answered" }, a.answered),
      el("td", { class: "num missed" }, a.missed),
      el("td", { class: "num talk" }, duration(a.talk_s))));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 7, class: "muted" }, T.none)));
    document.getElementById("board-agents").replaceChildren(...rows);
  }

  async function loadAgents() {
    try {
      agents = (await api("GET", "/api/v1/board")).agents;
      renderAgents();
    } catch (error) {
      setTimeout(soon, 3000);
    }
  }

  function soon() { // several messages at once (an answer, its handler, a state) make one request
    clearTimeout(refetch);
    refetch = setTimeout(loadAgents, 200);
  }

  function callOn(message) {
    const line = lines.get(message.call.line);
    if (!line) return null;
    if (!line.call || line.call.id !== message.call.id) line.call = { id: message.call.id, ringingAt: Date.now() };
    Object.assign(line.call, {
      number: message.call.number,
      e164: message.call.number_e164,
      reason: message.call.reason,
    });
    return line.call;
  }

  const handlers = {
    hello(message) {
      lines.clear();
      for (const line of message.lines) lines.set(line.name, { ...line, call: null });
    },
    "line.status"(message) {
      const line = lines.get(message.line.name);
      if (!line) return;
      line.status = message.line.status;
      if (line.status === "up" || line.status === "down") line.call = null;
    },
    "call.ringing"(message) { callOn(message); },
    "call.identified"(message) {
      const call = callOn(message);
      if (call && message.customer) call.customer = message.customer.name;
    },
    "call.updated"(message) {
      const call = callOn(message);
      if (call && message.customer) call.customer = message.customer.name;
    },
    "call.answered"(message) {
      const call = callOn(message);
      if (call && !call.answeredAt) call.answeredAt = Date.now();
    },
    "call.handled"(message) {
      const line = lines.get(message.line);
      if (line && line.call && line.call.id === message.call_id && message.user) line.call.handler = message.user.label;
      soon();
    },
    "call.ended"(message) {
      const line = lines.get(message.call.line);
      if (line && line.call && line.call.id === message.call.id) line.call = null;
      soon();
      setTimeout(soon, 2000); // the call log writes the call's end a moment after this message
    },
    "agent.state"() { soon(); },
  };

  function setConnection(state) {
    const badge = document.getElementById("board-connection");
    badge.textContent = T[state];
    badge.className = `status ${state === "connected" ? "status-up" : "status-down"}`;
    root.dataset.connection = state;
  }

  let retryMs = 1000;
  function connect() {
    setConnection("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/ws?board=1`);
    socket.addEventListener("open", () => { retryMs = 1000; setConnection("connected"); loadAgents(); });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (handlers[message.type]) handlers[message.type](message);
      renderLines();
    });
    socket.addEventListener("close", (event) => {
      setConnection("disconnected");
      if (event.code === 4401) { location.reload(); return; } // signed out: the page asks for a login
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  setInterval(() => { renderLines(); renderAgents(); }, 1000);
  connect();
})();
