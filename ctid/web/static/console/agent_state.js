// The operator's state: ready for calls or on a break (就绪 / 小休), kept by the server (PUT
// /api/v1/me/state); the board shows it to the supervisors, and another tab of the same operator follows
// it through the socket's agent.state.
"use strict";

(() => {
  const C = window.CtidConsole;
  const box = document.getElementById("agent-state");
  if (!C || !box) return;

  function showAgentState(state) {
    box.dataset.state = state;
    for (const button of box.querySelectorAll("button")) {
      const on = button.dataset.state === state;
      button.classList.toggle("primary", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  async function choose(state) {
    try {
      const answer = await C.api("PUT", "/api/v1/me/state", { state });
      showAgentState(answer.chosen);
    } catch (error) {
      C.say(`${C.T.failed} ${error.message}`, true);
    }
  }

  for (const button of box.querySelectorAll("button")) {
    button.addEventListener("click", () => choose(button.dataset.state));
  }
  C.api("GET", "/api/v1/me/state").then((answer) => showAgentState(answer.chosen), () => {});
  Object.assign(C, { showAgentState });
})();
