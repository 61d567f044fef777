// The pop cards: one per call on the operator's lines, newest first, drawn again as the call changes
// (ringing, identified, answered, waiting, recording, ended). The last few ended ones stay until closed.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label, when, fmt } = C;
  const MAX_POPS = 8;
  const pops = new Map(); // call id -> pop

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
        el("header", { class: "pop-head" }), el("div", { class: "pop-body" }), C.noteBox(pop));
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
    const now = pop.state === "ended" ? `${T.ended} · ${label(pop.outcome)}` : T[pop.state || "ringing"];
    // a call the operator dialled says so (呼出 · 通话中): it looks like an answered call otherwise
    const state = call.direction === "outbound" && pop.state !== "calling_out" ? `${label("outbound")} · ${now}` : now;
    return el("header", { class: "pop-head" },
      el("div", { class: "pop-caller" },
        el("span", { class: "pop-name" }, pop.customer ? pop.customer.name : (call.name || "")), " ",
        call.number ? C.dialButton(call.number, call.line, call.number_e164) : el("span", { class: "muted" }, call.reason ? label(call.reason) : T.no_number)),
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
    if (pop.customer) body.append(C.customerCard(pop.customer, pop.call.line, C.cardActions(pop)));
    else if (pop.lookup === "done" && !(pop.candidates || []).length && pop.call.number) {
      body.append(C.newCustomerForm(pop), C.attachForm(pop));
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

  Object.assign(C, { popFor, renderPop });
})();
