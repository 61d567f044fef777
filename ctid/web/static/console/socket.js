// The live connection: /ws, reconnecting with a growing delay while the server is away, stopping (and
// saying so) once the session has ended; each message it brings goes to its handler.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, root, api } = C;
  let socket = null;
  let retryMs = 1000;

  function connect() {
    setConnection("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener("open", () => { retryMs = 1000; setConnection("connected"); C.loadMissed(); });
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", async (event) => {
      if (event.code === SESSION_ENDED || (await signedOut())) {
        sessionEnded();
        return;
      }
      setConnection("disconnected");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  // The server closes the socket with SESSION_ENDED once the session is gone (a logout in another tab,
  // a deactivated user, an expiry); a socket refused at its handshake says nothing, so ask the API. Either
  // way the console says so and offers a login, instead of "reconnecting" for ever with no pops coming.
  const SESSION_ENDED = 4401;

  async function signedOut() {
    try {
      await api("GET", "/api/v1/me/missed");
      return false;
    } catch (error) {
      return error.status === 401; // anything else (the server is away: status 0): keep reconnecting
    }
  }

  function sessionEnded() {
    setConnection("session_ended");
    document.getElementById("session-ended").hidden = false;
  }

  function reconnect() {
    retryMs = 100;
    if (socket) socket.close();
  }

  function setConnection(state) {
    const badge = document.getElementById("connection");
    badge.textContent = T[state];
    badge.className = `status ${state === "connected" ? "status-up" : "status-down"}`;
    root.dataset.connection = state;
  }

  const handlers = {
    hello(message) {
      C.lines.clear();
      for (const line of message.lines) C.lines.set(line.name, line);
      C.renderLines();
      if (C.loadCampaigns) C.loadCampaigns(); // a reconnect shows the campaign call still to give a result
    },
    "line.status"(message) {
      C.lines.set(message.line.name, message.line);
      C.renderLines();
    },
    "call.ringing"(message) {
      const pop = C.popFor(message.call);
      pop.state = pop.state || "ringing";
      C.renderPop(pop);
      C.notify(pop, true);
    },
    "call.identified"(message) {
      const pop = C.popFor(message.call);
      Object.assign(pop, { customer: message.customer, candidates: message.candidates, lookup: message.lookup });
      C.renderPop(pop);
      C.notify(pop, false);
    },
    // A call this operator dialled (click-to-dial, call-back, the dial form): the dialled number's card,
    // sent to this operator's consoles only; "call.connected" when the far end answers.
    "call.dialing"(message) {
      const pop = C.popFor(message.call);
      pop.state = pop.state || "calling_out";
      Object.assign(pop, { customer: message.customer, candidates: message.candidates, lookup: message.lookup });
      C.renderPop(pop);
    },
    "call.connected"(message) {
      const pop = C.popFor(message.call);
      pop.state = "answered";
      C.renderPop(pop);
    },
    "call.updated"(message) {
      const pop = C.popFor(message.call);
      for (const key of ["customer", "candidates", "lookup"]) if (key in message) pop[key] = message[key];
      C.renderPop(pop);
    },
    "call.answered"(message) {
      const pop = C.popFor(message.call);
      pop.state = "answered";
      C.renderPop(pop);
    },
    // Call waiting: another caller while this call is answered. It is no call of its own (the line has one
    // call at a time): the card says who is waiting, so the operator can finish or put this one on hold.
    "call.waiting"(message) {
      const pop = C.popFor(message.call);
      pop.waiting = message.waiting;
      C.renderPop(pop);
    },
    "call.recording"(message) {
      const pop = C.popFor(message.call);
      pop.recording = message.recording.state === "stopped" ? null : message.recording;
      C.renderPop(pop);
    },
    "call.ended"(message) {
      const pop = C.popFor(message.call);
      pop.recording = null;
      Object.assign(pop, { state: "ended", outcome: message.outcome, duration: message.duration_s });
      C.renderPop(pop);
      if (message.outcome === "missed") {
        C.addMissed({ ...message.call, customer_name: pop.customer ? pop.customer.name : null });
        setTimeout(() => C.loadMissed(message.call.id), 1500);
      }
    },
  };

  // a part of the console with messages of its own adds their handlers to C.handlers (campaigns.js)
  function handle(message) {
    const handler = handlers[message.type] || (C.handlers || {})[message.type];
    if (handler) handler(message);
  }

  Object.assign(C, { connect, reconnect });
})();
