// A campaign's start, pause and stop buttons (the list's rows and the live page's heading): each sends
// POST /api/v1/campaigns/{id}/{start|pause|stop}; a stop asks first (it is for good). The list reloads to
// show the new state; the live page redraws itself (it listens for "campaign:moved").
"use strict";

(() => {
  const texts = document.getElementById("campaign-texts");
  if (!texts || !window.CtidApi) return;
  const T = JSON.parse(texts.textContent);
  const { api } = window.CtidApi;

  function say(text, isError) {
    const status = document.getElementById("campaign-status");
    if (!status) return;
    status.textContent = text;
    status.className = `small${isError ? " error" : ""}`;
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest && event.target.closest("[data-move]");
    if (!button) return;
    const holder = button.closest("[data-campaign]");
    if (!holder) return;
    const how = button.dataset.move;
    if (how === "stop" && !window.confirm(T.confirm_stop)) return;
    button.disabled = true;
    try {
      await api("POST", `/api/v1/campaigns/${holder.dataset.campaign}/${how}`);
      say("");
      if (document.getElementById("campaign-live")) document.dispatchEvent(new CustomEvent("campaign:moved"));
      else location.reload();
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
})();
