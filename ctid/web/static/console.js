// The operator console: follows /ws and shows each call on the operator's lines as a pop card.
// Plain DOM, no framework: every value from the server goes in through textContent, never as HTML.
"use strict";

(() => {
  const root = document.getElementById("console");
  if (!root) return;
  const T = JSON.parse(document.getElementById("console-texts").textContent);
  const V = JSON.parse(document.getElementById("console-values").textContent);
  const csrf = root.dataset.csrf;
  const locale = root.dataset.locale === "zh_CN" ? "zh-CN" : "en";
  const clock = new Intl.DateTimeFormat(locale, {
    timeZone: root.dataset.timezone, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const MAX_POPS = 8;
  const pops = new Map();       // call id -> pop
  const lines = new Map();      // line name -> {name, label, status}
  let socket = null;
  let retryMs = 1000;
  let audio = null;

  // --- small helpers ---------------------------------------------------------------------------------

  const { el } = window.CtidDom;
  const fmt = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => params[key] ?? "");
  const label = (value) => (value in V ? V[value] : value);
  const when = (iso) => (iso ? clock.format(new Date(iso)) : "");
  const day = (iso) => iso || "—";

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || response.statusText);
      error.field = data.error && data.error.field;
      error.code = data.error && data.error.code;
      error.details = data.error || {};
      throw error;
    }
    return data;
  }

  // --- websocket ---------------------------------------------------------------------------------------

  function connect() {
    setConnection("connecting");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/ws`);
    socket.addEventListener("open", () => { retryMs = 1000; setConnection("connected"); loadMissed(); });
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
      const response = await fetch("/api/v1/me/missed", { credentials: "same-origin", headers: { Accept: "application/json" } });
      return response.status === 401;
    } catch (error) {
      return false; // the server is away: keep reconnecting
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
      lines.clear();
      for (const line of message.lines) lines.set(line.name, line);
      renderLines();
    },
    "line.status"(message) {
      lines.set(message.line.name, message.line);
      renderLines();
    },
    "call.ringing"(message) {
      const pop = popFor(message.call);
      pop.state = pop.state || "ringing";
      renderPop(pop);
      notify(pop, true);
    },
    "call.identified"(message) {
      const pop = popFor(message.call);
      Object.assign(pop, { customer: message.customer, candidates: message.candidates, lookup: message.lookup });
      renderPop(pop);
      notify(pop, false);
    },
    "call.updated"(message) {
      const pop = popFor(message.call);
      for (const key of ["customer", "candidates", "lookup"]) if (key in message) pop[key] = message[key];
      renderPop(pop);
    },
    "call.answered"(message) {
      const pop = popFor(message.call);
      pop.state = "answered";
      renderPop(pop);
    },
    // Call waiting: another caller while this call is answered. It is no call of its own (the line has one
    // call at a time): the card says who is waiting, so the operator can finish or put this one on hold.
    "call.waiting"(message) {
      const pop = popFor(message.call);
      pop.waiting = message.waiting;
      renderPop(pop);
    },
    "call.recording"(message) {
      const pop = popFor(message.call);
      pop.recording = message.recording.state === "stopped" ? null : message.recording;
      renderPop(pop);
    },
    "call.ended"(message) {
      const pop = popFor(message.call);
      pop.recording = null;
      Object.assign(pop, { state: "ended", outcome: message.outcome, duration: message.duration_s });
      renderPop(pop);
      if (message.outcome === "missed") {
        addMissed({ ...message.call, customer_name: pop.customer ? pop.customer.name : null });
        setTimeout(loadMissed, 1500);
      }
    },
  };

  function handle(message) {
    const handler = handlers[message.type];
    if (handler) handler(message);
  }

  // --- lines, the line picker and dialing -------------------------------------------------------------

  function renderLines() {
    const list = document.getElementById("lines");
    const select = document.getElementById("dial-line");
    const chosen = select.value || localStorage.getItem("ctid.dialLine") || "";
    list.replaceChildren();
    select.replaceChildren();
    if (!lines.size) list.append(el("li", { class: "muted" }, T.no_lines));
    for (const line of lines.values()) {
      const status = line.status.replace(/\s+/g, "-");
      list.append(el("li", { dataset: { line: line.name } },
        el("span", {}, line.label || line.name), " ",
        el("span", { class: `status status-${status}` }, label(line.status))));
      select.append(el("option", { value: line.name, selected: line.name === chosen }, line.label || line.name));
    }
    document.getElementById("line-picker").open = !lines.size;
  }

  async function loadLineChoices() {
    const box = document.getElementById("line-choices");
    const data = await api("GET", "/api/v1/me/lines");
    box.replaceChildren(...data.lines.map((line) => el("label", { class: "check" },
      el("input", { type: "checkbox", name: "line", value: line.name, checked: line.bound }),
      line.label || line.name)));
  }

  async function saveLineChoices(event) {
    event.preventDefault();
    const chosen = [...event.target.querySelectorAll("input[name=line]:checked")].map((box) => box.value);
    try {
      await api("PUT", "/api/v1/me/lines", { lines: chosen });
      say(T.lines_saved);
      reconnect();
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    }
  }

  function say(text, isError) {
    const status = document.getElementById("dial-status");
    status.replaceChildren(text);
    status.className = `small ${isError ? "error" : "muted"}`;
    return status;
  }

  function dialLine(preferred) {
    const select = document.getElementById("dial-line");
    return preferred && lines.has(preferred) ? preferred : select.value;
  }

  async function dial(number, preferredLine) {
    const line = dialLine(preferredLine);
    if (!number || !line) return;
    const name = (lines.get(line) || {}).label || line;
    try {
      await api("POST", `/api/v1/lines/${encodeURIComponent(line)}/dial`, { number });
      const status = say(fmt(T.dialing, { number, line: name }));
      status.append(" ", el("button", { type: "button", class: "small danger", onclick: () => hangup(line) }, T.hang_up));
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    }
  }

  async function hangup(line) {
    try {
      await api("POST", `/api/v1/lines/${encodeURIComponent(line)}/hangup`);
      say("");
      loadMissed();
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    }
  }

  const dialButton = (number, line) => el("button", {
    type: "button", class: "link dial-number", title: T.dial, onclick: () => dial(number, line),
  }, number, " ☎");

  // --- missed calls ------------------------------------------------------------------------------------

  const missed = new Map();

  async function loadMissed() {
    try {
      const data = await api("GET", "/api/v1/me/missed");
      missed.clear();
      for (const call of data.items) missed.set(call.id, call);
      renderMissed();
    } catch (error) {
      /* the list stays as it was; the next call or reconnect refreshes it */
    }
  }

  function addMissed(call) {
    missed.set(call.id, call);
    renderMissed();
  }

  // One entry per number, the latest call's, with how many times it rang unanswered: one call-back
  // returns them all, and a caller who tried twelve times is one line to the operator, not twelve.
  function byNumber(calls) {
    const groups = new Map();
    for (const call of calls) {
      const key = call.number_e164 || call.id; // a private number cannot be called back: each stays alone
      const group = groups.get(key);
      if (group) group.count += 1;
      else groups.set(key, { call, count: 1 });
    }
    return [...groups.values()];
  }

  function renderMissed() {
    const list = document.getElementById("missed");
    const calls = [...missed.values()].sort((a, b) => b.started_at.localeCompare(a.started_at));
    list.replaceChildren(...byNumber(calls).map(({ call, count }) => el("li", { dataset: { call: call.id, count } },
      el("div", {}, el("strong", {}, call.customer_name || call.name || call.number || T.private),
        count > 1 ? el("span", { class: "missed-count" }, fmt(T.missed_times, { count })) : null),
      el("div", { class: "small muted" }, when(call.started_at), " · ", (lines.get(call.line) || {}).label || call.line),
      el("div", { class: "small" }, call.number || "",
        call.number_e164 ? el("button", {
          type: "button", class: "small call-back", onclick: () => dial(call.number_e164, call.line),
        }, T.call_back) : null))));
    if (!calls.length) list.append(el("li", { class: "muted" }, T.no_missed));
  }

  // --- pop cards ---------------------------------------------------------------------------------------

  function popFor(call) {
    let pop = pops.get(call.id);
    if (!pop) {
      pop = { call, state: null, customer: undefined, candidates: [], lookup: null, node: null, bodyKey: null };
      pops.set(call.id, pop);
      trimPops();
    }
    pop.call = { ...pop.call, ...call };
    return pop;
  }

  function trimPops() {
    const ended = [...pops.values()].filter((pop) => pop.state === "ended");
    while (pops.size > MAX_POPS && ended.length) {
      const oldest = ended.shift();
      oldest.node && oldest.node.remove();
      pops.delete(oldest.call.id);
    }
  }

  function renderPop(pop) {
    if (!pop.node) {
      pop.node = el("article", { class: "card pop", dataset: { call: pop.call.id } },
        el("header", { class: "pop-head" }), el("div", { class: "pop-body" }), noteBox(pop));
      document.getElementById("pops").prepend(pop.node);
    }
    document.getElementById("no-calls").hidden = true;
    pop.node.dataset.state = pop.state || "ringing";
    pop.node.querySelector(".pop-head").replaceWith(popHead(pop));
    const key = JSON.stringify([pop.customer, pop.candidates, pop.lookup, pop.call.number]);
    if (key !== pop.bodyKey) {
      pop.bodyKey = key;
      pop.node.querySelector(".pop-body").replaceWith(popBody(pop));
    }
  }

  function popHead(pop) {
    const call = pop.call;
    const state = pop.state === "ended" ? `${T.ended} · ${label(pop.outcome)}` : T[pop.state || "ringing"];
    return el("header", { class: "pop-head" },
      el("div", { class: "pop-caller" },
        el("span", { class: "pop-name" }, pop.customer ? pop.customer.name : (call.name || "")), " ",
        call.number ? dialButton(call.number, call.line) : el("span", { class: "muted" }, call.reason ? label(call.reason) : T.no_number)),
      el("div", { class: "pop-meta small" },
        el("span", { class: `status pop-state status-${pop.state === "ended" ? "down" : "ringing"}` }, state), " ",
        call.line_label || call.line, " · ", when(call.started_at),
        pop.recording && pop.state !== "ended" ? recordingControl(pop) : null,
        pop.state === "ended" ? el("button", { type: "button", class: "link close", title: T.close,
          onclick: () => { pop.node.remove(); pops.delete(call.id); } }, "×") : null),
      pop.waiting && pop.state !== "ended" ? waitingNote(pop.waiting) : null);
  }

  function waitingNote(waiting) {
    const who = [waiting.name, waiting.number].filter(Boolean).join(" ")
      || (waiting.reason ? label(waiting.reason) : T.no_number);
    return el("p", { class: "call-waiting", role: "status" },
      fmt(T.call_waiting, { caller: who }), " · ", when(waiting.at));
  }

  function recordingControl(pop) {
    const paused = pop.recording.state === "paused";
    return el("span", { class: `recording ${paused ? "recording-paused" : "recording-on"}` }, " · ",
      el("span", { class: "recording-dot" }, paused ? T.recording_paused : T.recording), " ",
      el("button", { type: "button", class: "small link", onclick: () => toggleRecording(pop, paused) },
        paused ? T.resume : T.pause));
  }

  async function toggleRecording(pop, paused) {
    try {
      const answer = await api("POST", `/api/v1/lines/${encodeURIComponent(pop.call.line)}/recording`,
        { action: paused ? "resume" : "pause" });
      pop.recording = answer.state === "stopped" ? null : { state: answer.state, id: answer.recording_id };
      renderPop(pop);
    } catch (error) {
      pop.node.querySelector(".pop-body").prepend(el("p", { class: "error" }, `${T.failed} ${error.message}`));
    }
  }

  function popBody(pop) {
    const body = el("div", { class: "pop-body" });
    if (pop.lookup === "pending") body.append(el("p", { class: "muted lookup" }, T.lookup_pending));
    if (pop.lookup === "failed") body.append(el("p", { class: "error lookup" }, T.lookup_failed));
    if (pop.candidates && pop.candidates.length) body.append(candidateList(pop));
    if (pop.customer) body.append(customerCard(pop.customer, pop.call.line));
    else if (pop.lookup === "done" && !(pop.candidates || []).length && pop.call.number) {
      body.append(newCustomerForm(pop));
    }
    return body;
  }

  function candidateList(pop) {
    return el("div", { class: "candidates" }, el("p", {}, T.candidates),
      el("ul", { class: "plain" }, pop.candidates.map((c) => el("li", {},
        el("button", {
          type: "button", class: `small candidate${pop.customer && pop.customer.id === c.id ? " primary" : ""}`,
          onclick: () => chooseCandidate(pop, c.id),
        }, c.name, " · ", label(c.kind))))));
  }

  async function chooseCandidate(pop, customerId) {
    try {
      pop.customer = await api("GET", `/api/v1/customers/${customerId}`);
      renderPop(pop);
      await api("PUT", `/api/v1/calls/${pop.call.id}/customer`, { customer_id: customerId });
    } catch (error) {
      pop.node.querySelector(".pop-body").prepend(el("p", { class: "error" }, `${T.failed} ${error.message}`));
    }
  }

  function section(title, rows, render) {
    return el("section", { class: "pop-section" }, el("h3", {}, title),
      rows.length ? render(rows) : el("p", { class: "muted small" }, T.none));
  }

  function table(headers, rows) {
    return el("table", { class: "list compact" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((cell) => el("td", {}, cell))))));
  }

  function customerCard(customer, line) {
    return el("div", { class: "customer", dataset: { customer: customer.id } },
      el("h2", { class: "customer-name" }, customer.name, " ",
        el("small", { class: "muted" }, label(customer.kind), customer.level ? ` · ${T.level} ${customer.level}` : "")),
      el("p", { class: "phones" }, customer.phones.map((p) => el("span", { class: "phone" },
        p.label ? `${p.label} ` : "", dialButton(p.number, line)))),
      customer.opt_outs.length ? el("p", { class: "opt-outs error" },
        `${T.opted_out} ${customer.opt_outs.map(label).join("、")}`) : null,
      customer.tags.length || customer.address ? el("p", { class: "small muted customer-extra" },
        customer.tags.map((t) => el("span", { class: "tag" }, t)), customer.address ? ` ${T.address} ${customer.address}` : "") : null,
      section(T.due_reminders, customer.due_reminders, (rows) => el("ul", { class: "plain reminders" },
        rows.map((r) => el("li", {}, el("strong", {}, label(r.kind)), " ", r.plate || "", " ", day(r.due_on))))),
      section(T.vehicles, customer.vehicles, (rows) => table(
        [T.plate, T.vehicle, T.role, T.mileage, T.insurance_expiry, T.inspection_due, T.next_service_due],
        rows.map((v) => [v.plate, `${v.brand || ""} ${v.model || ""}`.trim(), v.roles.map(label).join(" / "),
          v.mileage_km ?? "—", day(v.insurance_expiry), day(v.inspection_due), day(v.next_service_due)]))),
      section(T.last_visits, customer.last_visits, (rows) => table(
        [T.visited_on, T.plate, T.summary, T.amount, T.advisor],
        rows.map((v) => [day(v.visited_on), v.plate || "", v.summary, v.amount, v.advisor || ""]))),
      section(T.follow_ups, customer.open_follow_ups, (rows) => el("ul", { class: "plain follow-ups" },
        rows.map((f) => el("li", { class: f.kind },
          el("strong", {}, label(f.kind)), " ", f.category ? `[${f.category}] ` : "", f.content,
          el("span", { class: "small muted" }, ` · ${label(f.status)} ${f.due_on ? day(f.due_on) : ""}`))))),
      section(T.recent_calls, customer.recent_calls, (rows) => linkRecordings(el("ul", { class: "plain recent" },
        rows.map((c) => el("li", { class: "small", dataset: { call: c.id || "" } },
          when(c.started_at), " · ", label(c.direction), " · ", label(c.outcome || "")))))));
  }

  // The recent calls that have a recording this user may hear get a link to its player (asked once per
  // call: the card is drawn again on every update of the pop).
  const recordingOf = new Map();
  function linkRecordings(list) {
    const ids = [...list.querySelectorAll("li[data-call]")].map((li) => li.dataset.call).filter(Boolean);
    const addLinks = () => list.querySelectorAll("li[data-call]").forEach((li) => {
      const recording = recordingOf.get(li.dataset.call);
      if (recording && !li.querySelector(".recording-link")) {
        li.append(" · ", el("a", { class: "recording-link", href: `/recordings/${recording}`, target: "_blank" }, `▶ ${T.listen}`));
      }
    });
    const unknown = ids.filter((id) => !recordingOf.has(id));
    if (!unknown.length) addLinks();
    else {
      api("GET", `/api/v1/recordings/links?${unknown.map((id) => `call=${encodeURIComponent(id)}`).join("&")}`)
        .then((data) => { unknown.forEach((id) => recordingOf.set(id, data.links[id] || null)); addLinks(); })
        .catch(() => {});  // no links is no worse than before: the card itself is drawn
    }
    return list;
  }

  function newCustomerForm(pop) {
    const field = (name, text, input) => el("label", { dataset: { field: name } }, text, input);
    const form = el("form", { class: "stack new-customer", onsubmit: (event) => saveCustomer(event, pop) },
      el("h3", {}, T.unknown_caller),
      el("div", { class: "form-grid" },
        field("name", T.name, el("input", { name: "name", required: true, maxlength: 100 })),
        field("kind", T.kind, el("select", { name: "kind" },
          el("option", { value: "person" }, label("person")), el("option", { value: "company" }, label("company")))),
        field("phones", T.phone, el("input", { name: "phone", value: pop.call.number, inputmode: "tel" })),
        field("plate", T.plate, el("input", { name: "plate", maxlength: 16 })),
        field("brand", T.brand, el("input", { name: "brand", maxlength: 32 })),
        field("model", T.model, el("input", { name: "model", maxlength: 64 }))),
      field("notes", T.notes, el("textarea", { name: "notes", rows: 2, maxlength: 2000 })),
      el("p", { class: "form-error error", hidden: true }),
      el("div", {}, el("button", { type: "submit", class: "primary" }, T.save_customer)));
    return form;
  }

  async function saveCustomer(event, pop, confirmed = false) {
    event.preventDefault();
    const form = event.target.closest("form");
    const value = (name) => form.elements[name].value;
    const problem = form.querySelector(".form-error");
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    try {
      pop.customer = await api("POST", "/api/v1/customers", {
        name: value("name"), kind: value("kind"), phones: [value("phone")], plate: value("plate"),
        brand: value("brand"), model: value("model"), notes: value("notes"), call_id: pop.call.id,
        confirm_shared_phone: confirmed,
      });
      renderPop(pop);
      pop.node.querySelector(".pop-body").prepend(el("p", { class: "ok" }, T.customer_saved));
    } catch (error) {
      problem.hidden = false;
      problem.replaceChildren(error.message);
      if (error.code === "phone_shared") problem.append(sharedPhone(error.details.customers || [], pop));
      const invalid = error.field && form.querySelector(`[data-field="${error.field}"]`);
      if (invalid) invalid.classList.add("invalid");
    }
  }

  // Who else has the number (links open a tab of their own: the pop stays as it is) and the operator's yes.
  function sharedPhone(holders, pop) {
    return el("span", { class: "shared-phone" },
      el("ul", { class: "plain" }, holders.map((c) => el("li", {},
        el("a", { href: `/customers/${c.id}`, target: "_blank", rel: "noopener", class: "shared-phone-customer" }, c.name),
        " ", c.number))),
      el("button", { type: "button", class: "small confirm-shared-phone",
        onclick: (event) => saveCustomer(event, pop, true) }, T.save_shared));
  }

  function noteBox(pop) {
    const area = el("textarea", { name: "note", rows: 2, maxlength: 2000, "aria-label": T.note, placeholder: T.note });
    const result = el("span", { class: "small note-result", role: "status" });
    return el("form", { class: "note", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("PUT", `/api/v1/calls/${pop.call.id}/note`, { note: area.value });
        result.className = "small note-result ok-text";
        result.textContent = T.note_saved;
      } catch (error) {
        result.className = "small note-result error";
        result.textContent = `${T.failed} ${error.message}`;
      }
    } }, area, el("div", {}, el("button", { type: "submit", class: "small" }, T.save_note), " ", result));
  }

  // --- attention: desktop notification and a sound while the tab is in the background ----------------

  function notify(pop, isNew) {
    if (!document.hidden) return;
    if (isNew) beep();
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const who = pop.customer ? pop.customer.name : (pop.call.name || pop.call.number || T.private);
    const note = new Notification(`${T.new_call}: ${who}`, {
      body: `${pop.call.line_label || pop.call.line} · ${pop.call.number || ""}`, tag: pop.call.id,
    });
    note.onclick = () => { window.focus(); note.close(); };
  }

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    const start = audio.currentTime;
    [[880, 0], [660, 0.22]].forEach(([frequency, offset]) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.2);
    });
    root.dataset.beeps = String(Number(root.dataset.beeps || 0) + 1);
  }

  function setUpNotifications() {
    const button = document.getElementById("notify-enable");
    const wanted = "Notification" in window && Notification.permission === "default";
    button.hidden = !wanted;
    button.addEventListener("click", async () => {
      await Notification.requestPermission();
      button.hidden = Notification.permission !== "default";
    });
    // Browsers only let a page play sound after the user has touched it: unlock on the first click.
    document.addEventListener("click", () => {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context && !audio) audio = new Context();
      if (audio && audio.state === "suspended") audio.resume();
    }, { once: true });
  }

  // --- start -------------------------------------------------------------------------------------------

  document.getElementById("line-form").addEventListener("submit", saveLineChoices);
  document.getElementById("line-picker").addEventListener("toggle", (event) => {
    if (event.target.open) loadLineChoices().catch((error) => say(`${T.failed} ${error.message}`, true));
  });
  document.getElementById("dial-line").addEventListener("change", (event) => {
    localStorage.setItem("ctid.dialLine", event.target.value);
  });
  document.getElementById("dial-form").addEventListener("submit", (event) => {
    event.preventDefault();
    dial(document.getElementById("dial-number").value.trim());
  });
  setUpNotifications();
  renderMissed();
  connect();
})();
