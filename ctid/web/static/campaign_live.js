// A campaign's live page: progress, attempts by result, its lines and operators as they are now, and the
// next contacts with why each is not being dialled (or, looked up by number, any contact's). It asks
// GET /api/v1/campaigns/{id}/live every few seconds while the page is shown, and again after a move; a
// failed read keeps what was shown and says so, and the next one tries again.
"use strict";

(() => {
  const root = document.getElementById("campaign-live");
  if (!root || !window.CtidApi) return;
  const T = JSON.parse(document.getElementById("campaign-texts").textContent);
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const EVERY_MS = 5000;
  let number = "";
  let timer = null;

  const facts = (node, counts, words) => {
    const entries = Object.entries(counts);
    node.replaceChildren(...(entries.length ? entries.flatMap(([key, n]) => [
      el("dt", { dataset: { key } }, words[key] || key), el("dd", { class: "num" }, n)]) : [el("dd", { class: "muted" }, T.none)]));
  };

  function lineWord(line) {
    if (line.out) return T.line_out;
    if (line.in_use) return T.line_in_use;
    return T.lines[line.status] || line.status;
  }
  const lineClass = (line) => (line.out || line.status === "down" || line.status === "unknown" ? "status-down"
    : line.in_use || line.status === "in call" ? "status-in-call" : line.status === "ringing" ? "status-ringing" : "status-up");

  function draw(live) {
    document.getElementById("live-state").textContent = T.states[live.state] || live.state;
    document.getElementById("live-state").dataset.state = live.state;
    facts(document.getElementById("live-contacts"), live.contacts, T.contacts);
    facts(document.getElementById("live-results"), live.results, T.results);
    document.getElementById("live-lines").replaceChildren(...live.lines.map((line) =>
      el("li", { dataset: { line: line.name, status: line.out ? "out" : line.status } }, line.label, " · ",
        el("span", { class: `status ${lineClass(line)}` }, lineWord(line)))));
    const people = live.operators.map((a) => el("li", { dataset: { agent: a.id, state: a.state } }, a.label, " · ",
      el("span", { class: `status agent-${a.state}` }, T.agents[a.state] || a.state),
      a.result_due ? el("span", { class: "small muted" }, ` · ${T.result_due}`) : null));
    document.getElementById("live-operators").replaceChildren(...(people.length ? people : [el("li", { class: "muted" }, T.none)]));
    const rows = live.next.map((c) => el("tr", { dataset: { contact: c.id, why: c.why_not || "due" } },
      el("td", {}, c.customer_name || "—"),
      el("td", { class: "nowrap" }, c.number || "—"),
      el("td", {}, T.contacts[c.status] || c.status),
      el("td", { class: "num" }, c.attempts),
      el("td", {}, c.last_result ? (T.results[c.last_result] || c.last_result) : "—"),
      el("td", { class: `why-not${c.why_not ? "" : " ok"}` }, c.why_not ? (T.why[c.why_not] || c.why_not) : T.due)));
    const empty = el("tr", {}, el("td", { colspan: 6, class: "muted" }, live.lookup ? T.not_found : T.none));
    document.getElementById("live-next").replaceChildren(...(rows.length ? rows : [empty]));
    document.getElementById("live-updated").textContent = `${T.updated} ${new Date().toLocaleTimeString()}`;
    for (const button of root.querySelectorAll("[data-move]")) {
      const how = button.dataset.move;
      button.hidden = !({ start: ["draft", "paused"], pause: ["running"], stop: ["draft", "running", "paused"] }[how]
        .includes(live.state));
    }
  }

  async function refresh() {
    clearTimeout(timer);
    const query = number ? `?number=${encodeURIComponent(number)}` : "";
    try {
      draw(await api("GET", `/api/v1/campaigns/${root.dataset.id}/live${query}`));
      document.getElementById("campaign-status").textContent = "";
    } catch (error) {
      const status = document.getElementById("campaign-status");
      status.textContent = `${T.failed} ${error.message}`;
      status.className = "small error";
    }
    if (!document.hidden) timer = setTimeout(refresh, EVERY_MS);
  }

  document.getElementById("why-not-form").addEventListener("submit", (event) => {
    event.preventDefault();
    number = document.getElementById("why-not-number").value.trim();
    document.getElementById("why-not-clear").hidden = !number;
    refresh();
  });
  document.getElementById("why-not-clear").addEventListener("click", () => {
    number = "";
    document.getElementById("why-not-number").value = "";
    document.getElementById("why-not-clear").hidden = true;
    refresh();
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  document.addEventListener("campaign:moved", refresh);
  refresh();
})();
