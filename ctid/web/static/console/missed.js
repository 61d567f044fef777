// The missed calls to return: one entry per number, with a call-back button.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, fmt, when } = C;
  const missed = new Map(); // call id -> call

  // `waitingFor`: a call just missed (listed from its call.ended) that the call log may not have written
  // yet; while the answer lacks it, the list stays as it is and is asked again a little later.
  async function loadMissed(waitingFor, tries = 8) {
    try {
      const data = await api("GET", "/api/v1/me/missed");
      if (waitingFor && tries > 0 && !data.items.some((call) => call.id === waitingFor)) {
        setTimeout(() => loadMissed(waitingFor, tries - 1), 1500);
        return;
      }
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
      el("div", {}, el("strong", {}, call.customer_name || call.name || C.phone(call.number_e164, call.number) || T.private),
        count > 1 ? el("span", { class: "missed-count" }, fmt(T.missed_times, { count })) : null),
      el("div", { class: "small muted" }, when(call.started_at), " · ", C.lineLabel(call.line)),
      el("div", { class: "small" }, call.customer_name || call.name ? C.phone(call.number_e164, call.number) : "",
        call.number_e164 ? el("button", {
          type: "button", class: "small call-back", onclick: () => C.dial(call.number_e164, call.line),
        }, T.call_back) : null))));
    if (!calls.length) list.append(el("li", { class: "muted" }, T.no_missed));
  }

  Object.assign(C, { loadMissed, addMissed, renderMissed });
})();
