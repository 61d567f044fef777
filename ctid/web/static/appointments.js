// The appointments' day and week views: a button of an appointment moves its status (arrived, done,
// missed, cancelled) through the API, then the page is drawn again with the slot's room as it now is.
"use strict";

(() => {
  const node = document.getElementById("appointments-texts");
  const T = node ? JSON.parse(node.textContent) : {};
  const { api } = window.CtidApi;
  const status = document.getElementById("appointments-status");

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-appointment] button[data-move]");
    if (!button) return;
    const appointment = button.closest("[data-appointment]");
    button.disabled = true;
    try {
      await api("PATCH", `/api/v1/appointments/${appointment.dataset.appointment}`, { status: button.dataset.move });
      location.reload();
    } catch (error) {
      if (status) status.textContent = `${T.failed} ${error.message}`;
      button.disabled = false;
    }
  });
})();
