// The customer page's merge card: search for the other customer (/api/v1/search), show what the merge
// moves (GET .../merge?other_id=), and on the user's yes merge (POST) and reload this customer's page.
"use strict";

(() => {
  const card = document.getElementById("merge-card");
  if (!card) return;
  const { el, api, showError, clearErrors } = window.CtidCrm;
  const T = JSON.parse(document.getElementById("merge-texts").textContent);
  const W = JSON.parse(document.getElementById("merge-words").textContent); // data values and field names
  const label = (value) => (value in W ? W[value] : value);
  const written = (number) => window.CtidPhone.shown(null, number); // as the page writes its own numbers
  const keptId = Number(document.getElementById("customer-page").dataset.customer);
  const input = document.getElementById("merge-q");
  const results = document.getElementById("merge-results");
  const searchStatus = document.getElementById("merge-search-status");
  const preview = document.getElementById("merge-preview");
  const status = document.getElementById("merge-status");
  const confirm = document.getElementById("merge-confirm");
  const base = `/api/v1/customers/${keptId}/merge`;
  let asked = 0;
  let timer = null;
  let otherId = null;

  async function search() {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) {
      results.replaceChildren();
      searchStatus.textContent = "";
      return;
    }
    try {
      const answer = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}&limit=10`);
      if (mine !== asked) return;
      const others = answer.items.filter((c) => c.id !== keptId);
      results.replaceChildren(...others.map((c) => el("li", { dataset: { customer: c.id } },
        el("button", { type: "button", class: "link merge-pick" }, c.name),
        " ", el("span", { class: "small muted" }, label(c.kind)),
        " ", el("span", { class: "search-keys" }, [...(c.phones || []).map(written), ...(c.plates || [])].join(" · ")))));
      searchStatus.textContent = others.length ? "" : T.no_results;
    } catch (error) {
      if (mine === asked) searchStatus.textContent = `${T.failed} ${error.message}`;
    }
  }

  function line(name, value) {
    return el("li", { dataset: { moves: name } }, el("strong", {}, T[name]), " ", value);
  }

  function show(answer) {
    const m = answer.moves;
    document.getElementById("merge-title").textContent = T.moves;
    const lines = [];
    if (m.phones.length) lines.push(line("phones", m.phones.map(written).join(", ")));
    if (m.vehicles.length) lines.push(line("vehicles", m.vehicles.map((v) => `${v.plate} (${label(v.role)})`).join(", ")));
    for (const name of ["visits", "follow_ups", "complaints", "prospects", "calls"]) {
      if (m[name]) lines.push(line(name, String(m[name])));
    }
    if (m.opt_outs.length) lines.push(line("opt_outs", m.opt_outs.map(label).join(", ")));
    if (m.tags.length) lines.push(line("tags", m.tags.join(", ")));
    if (m.fields.length) lines.push(line("fields", m.fields.map(label).join(", ")));
    if (m.notes) lines.push(line("notes", T.notes_added));
    document.getElementById("merge-moves").replaceChildren(...(lines.length ? lines : [el("li", {}, T.nothing)]));
    document.getElementById("merge-removed").textContent = T.removed
      .replace("%(name)s", answer.other.name)
      .replace("%(phones)s", answer.other.phones.map(written).join(", ") || "—");
    preview.hidden = false;
    confirm.focus();
  }

  async function pick(id) {
    clearErrors(card);
    status.textContent = "";
    otherId = id;
    try {
      show(await api("GET", `${base}?other_id=${id}`));
    } catch (error) {
      preview.hidden = true;
      showError(card, error, searchStatus);
    }
  }

  results.addEventListener("click", (event) => {
    const item = event.target.closest("li[data-customer]");
    if (item) pick(Number(item.dataset.customer));
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  document.getElementById("merge-cancel").addEventListener("click", () => {
    preview.hidden = true;
    otherId = null;
  });
  confirm.addEventListener("click", async () => {
    if (otherId === null) return;
    clearErrors(card);
    confirm.disabled = true;
    status.textContent = T.merging;
    try {
      await api("POST", base, { other_id: otherId });
      location.assign(`/customers/${keptId}`);
    } catch (error) {
      status.textContent = "";
      showError(card, error, status);
      confirm.disabled = false;
    }
  });
})();
