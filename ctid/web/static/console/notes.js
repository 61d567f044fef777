// The note on a call, under its pop card: saved with PUT /api/v1/calls/{id}/note; beside it the call's
// wrap-up result (咨询, 预约... from the list admins keep), saved as soon as it is chosen with
// PUT /api/v1/calls/{id}/result.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api } = C;
  const RESULTS = JSON.parse(document.getElementById("console-results").textContent);

  function said(node, ok, text) {
    node.classList.toggle("ok-text", ok);
    node.classList.toggle("error", !ok);
    node.textContent = text;
  }

  function resultChoice(pop) {
    const status = el("span", { class: "small wrap-up-result", role: "status" });
    const select = el("select", { name: "result", class: "wrap-up", "aria-label": T.result, onchange: async () => {
      try {
        await api("PUT", `/api/v1/calls/${pop.call.id}/result`, { result: select.value || null });
        said(status, true, select.value ? T.result_saved : T.result_cleared);
      } catch (error) {
        said(status, false, `${T.failed} ${error.message}`);
      }
    } }, el("option", { value: "" }, T.no_result),
    ...RESULTS.map((r) => el("option", { value: r.code }, r.label)));
    return el("label", { class: "small wrap-up-choice" }, T.result, " ", select, " ", status);
  }

  function noteBox(pop) {
    const area = el("textarea", { name: "note", rows: 2, maxlength: 2000, "aria-label": T.note, placeholder: T.note });
    const result = el("span", { class: "small note-result", role: "status" });
    return el("form", { class: "note", onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("PUT", `/api/v1/calls/${pop.call.id}/note`, { note: area.value });
        said(result, true, T.note_saved);
      } catch (error) {
        said(result, false, `${T.failed} ${error.message}`);
      }
    } }, area, el("div", { class: "row note-actions" },
      el("button", { type: "submit", class: "small" }, T.save_note), " ", result, resultChoice(pop)));
  }

  Object.assign(C, { noteBox });
})();
