// The customer search box: asks /api/v1/search as the user types (debounced); Enter opens the first result.
"use strict";

(() => {
  const root = document.getElementById("customer-search");
  if (!root) return;
  const { T, el, label, api } = window.CtidCrm;
  const { shown } = window.CtidPhone;
  const input = document.getElementById("search-q");
  const list = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const DELAY_MS = 200;
  let timer = null;
  let asked = 0; // answers to older questions arriving late are dropped

  function show(items) {
    list.replaceChildren(...items.map((c) => el("li", { dataset: { customer: c.id } },
      el("a", { href: `/customers/${c.id}`, class: "search-name" }, c.name),
      " ", el("span", { class: "small muted" }, label(c.kind)),
      " ", el("span", { class: "search-keys" }, [...(c.phones || []).map((p) => shown(null, p)), ...(c.plates || [])].join(" · ")),
      c.matched ? el("span", { class: "small muted" }, ` · ${T.matched} ${label(c.matched)}`) : null)));
    status.textContent = items.length ? "" : T.no_results;
    root.dataset.results = String(items.length);
  }

  // The query lives in the address (?q=): Back from a customer opened from the results finds the search
  // as it was (the pages are no-store, so the browser keeps neither the box nor the list), and a search
  // can be bookmarked or sent to a colleague.
  function remember(q) {
    const url = new URL(location.href);
    if ((url.searchParams.get("q") || "") === q) return; // a history entry change is a navigation to scripts
    if (q) url.searchParams.set("q", q);
    else url.searchParams.delete("q");
    history.replaceState(history.state, "", url);
  }

  async function search() {
    const q = input.value.trim();
    const mine = ++asked;
    remember(q);
    if (!q) {
      list.replaceChildren();
      status.textContent = "";
      delete root.dataset.results;
      return;
    }
    try {
      const answer = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}&limit=10`);
      if (mine === asked) show(answer.items);
    } catch (error) {
      if (mine === asked) status.textContent = `${T.search_failed} ${error.message}`;
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY_MS);
  });
  input.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    clearTimeout(timer);
    await search();
    const first = list.querySelector("a");
    if (first) location.assign(first.href);
  });
  input.focus();
  const previous = new URL(location.href).searchParams.get("q");
  if (previous) {
    input.value = previous;
    search();
  }
})();
