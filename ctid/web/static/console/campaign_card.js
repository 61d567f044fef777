// A campaign's card on the console (console/campaigns.js keeps which is shown and talks to the server):
// the customer and number, the reminder item the call is about, the attempts so far, then either the
// preview's actions (dial on one of my lines, skip with a reason, close) or the call's (its state, hang
// up, the result from the wrap-up list with a call back's time, for me or anyone, and a note).
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C || !document.getElementById("campaign-texts")) return;
  const { T, el, label, when, fmt } = C;
  const R = JSON.parse(document.getElementById("campaign-texts").textContent);
  const CALL_BACK_DEFAULT_H = 2;
  const SHOP_CLOCK = new Intl.DateTimeFormat("sv-SE", { // 2026-12-08 15:30
    timeZone: C.root.dataset.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false,
  });

  // ``shown``: { message, attempt?, ended? }; ``act``: the panel's actions (dialCard, skipCard, ...)
  function campaignCard(shown, act) {
    const { message, attempt } = shown;
    const contact = message.contact;
    const state = attempt ? (shown.ended && !shown.ended.awaiting ? "ended" : "calling") : "shown";
    const who = message.customer ? message.customer.name : "";
    return el("article", { class: "campaign-card", dataset: { contact: contact.id, state, attempt: attempt ? attempt.id : "" } },
      el("header", { class: "pop-head" },
        el("div", { class: "pop-caller" }, el("span", { class: "pop-name" }, who), " ",
          el("span", { class: "campaign-number" }, C.phone(contact.number_e164, contact.number_e164 || ""))),
        el("div", { class: "pop-meta small" }, message.campaign.name,
          contact.call_back ? el("span", { class: "tag" }, R.call_back_due) : null)),
      aboutItem(message.item),
      attemptsSoFar(message.attempts),
      attempt ? callPart(shown, act) : previewActions(message, act),
      message.customer ? C.customerCard(message.customer, attempt ? attempt.line : null) : null);
  }

  function aboutItem(item) {
    if (!item) return null;
    return el("p", { class: "campaign-item" }, el("strong", {}, label(item.type)), " ", item.plate || "",
      item.due_on ? ` · ${R.due} ${item.due_on}` : "");
  }

  function attemptsSoFar(attempts) {
    if (!attempts.length) return el("p", { class: "muted small campaign-attempts" }, R.no_attempts);
    return el("ul", { class: "plain small campaign-attempts" }, attempts.map((a) => el("li", {},
      when(a.started_at), " · ", C.lineLabel(a.line), " · ",
      a.result ? R[a.result] || label(a.result) : R.in_flight, a.note ? ` · ${a.note}` : "")));
  }

  function previewActions(message, act) {
    const lines = message.lines;
    const reasons = el("select", { name: "reason_choice", "aria-label": R.skip_reason },
      R.skip_reasons.map((r) => el("option", { value: r }, r)));
    const other = el("input", { name: "reason", placeholder: R.skip_other, "aria-label": R.skip_other, maxlength: "200" });
    return el("div", { class: "campaign-actions" },
      el("div", { class: "row" }, lines.length
        ? lines.map((line) => el("button", { type: "button", class: "primary dial-card", dataset: { line: line.name },
          onclick: () => act.dialCard(line.name) }, fmt(R.dial_on, { line: line.label })))
        : el("p", { class: "error small" }, R.no_line),
        el("button", { type: "button", class: "small release-card", onclick: act.releaseCard }, T.close)),
      el("form", { class: "row skip-card", onsubmit: (event) => { event.preventDefault(); act.skipCard(other.value.trim() || reasons.value); } },
        reasons, other, el("button", { type: "submit", class: "small" }, R.skip)),
      el("p", { class: "campaign-status small", role: "status" }));
  }

  function callPart(shown, act) {
    const { attempt, ended } = shown;
    const over = Boolean(ended); // the call has ended (the modem's answer: the result is still to give)
    const settled = over && !ended.awaiting;
    const status = over ? `${T.ended} · ${R[ended.result] || label(ended.result)}` : fmt(R.calling_on, { line: attempt.line_label });
    return el("div", { class: "campaign-actions" },
      el("p", { class: "campaign-call small" }, el("span", { class: `status ${over ? "status-down" : "status-ringing"}` }, status),
        " ", over ? null : el("button", { type: "button", class: "small danger hang-up", onclick: () => act.hangUp() }, T.hang_up)),
      settled ? el("p", { class: "small muted" }, R.settled) : resultForm(act),
      settled ? el("button", { type: "button", class: "small done-card", onclick: act.done }, T.close) : null,
      el("p", { class: "campaign-status small", role: "status" }));
  }

  function resultForm(act) {
    // the shop's time, as the server reads a time without an offset (not the browser's zone)
    const later = new Date(Date.now() + CALL_BACK_DEFAULT_H * 3600 * 1000);
    const local = SHOP_CLOCK.format(later).replace(" ", "T").slice(0, 16);
    const note = el("textarea", { name: "note", rows: "2", placeholder: T.note, "aria-label": T.note, maxlength: "2000" });
    const at = el("input", { type: "datetime-local", name: "call_back_at", value: local, "aria-label": R.call_back_at });
    const forMe = el("input", { type: "checkbox", name: "for_me", checked: true });
    const give = (result) => act.giveResult(result, note.value, result === "call_back" ? at.value : null, !forMe.checked);
    return el("form", { class: "stack campaign-result", onsubmit: (event) => event.preventDefault() },
      el("div", { class: "row wrap results" }, R.results.map((r) => el("button", {
        type: "button", class: "small result", dataset: { result: r.code },
        onclick: () => give(r.code) }, r.label))),
      el("div", { class: "row call-back-at small" }, el("label", {}, `${R.call_back_at} `, at),
        el("label", {}, forMe, ` ${R.for_me}`)),
      note);
  }

  Object.assign(C, { campaignCard });
})();
