// The note on a call, under its pop card: saved with PUT /api/v1/calls/{id}/note.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api } = C;

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

  Object.assign(C, { noteBox });
})();
