// Who owns, uses and drives a vehicle, in its forms on the customer's page: each person a row (.link-row:
// data-customer, a role, a remove button) in the form's .link-rows; the form's .link-picker finds another
// customer (/api/v1/search as the user types) and adds them as a row. crm_edit.js sends the rows as the
// vehicle's "customers" with the form.
"use strict";

(() => {
  const { T, el, api } = window.CtidCrm;
  const DELAY_MS = 200;

  function addRow(form, customer) {
    const rows = form.querySelector(".link-rows");
    const row = document.getElementById("link-row").content.firstElementChild.cloneNode(true);
    row.dataset.customer = customer.id;
    row.querySelector(".link-name").textContent = customer.name;
    rows.append(row);
    row.querySelector("[name=link_role]").focus();
  }

  function picker(box) {
    const form = box.closest("form");
    const input = box.querySelector(".link-search");
    const list = box.querySelector(".link-results");
    let timer = null;
    let asked = 0; // answers to older questions arriving late are dropped

    function show(items) {
      list.replaceChildren(...items.map((c) => el("li", {},
        el("button", { type: "button", class: "link link-choice", dataset: { customer: c.id },
          onclick: () => { addRow(form, c); input.value = ""; list.replaceChildren(); } }, c.name),
        " ", el("span", { class: "small muted" }, [...(c.phones || []), ...(c.plates || [])].join(" · ")))));
      if (!items.length) list.append(el("li", { class: "muted small" }, T.no_results));
    }

    async function search() {
      const q = input.value.trim();
      const mine = ++asked;
      if (!q) { list.replaceChildren(); return; }
      try {
        const answer = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}&limit=8`);
        if (mine === asked) show(answer.items);
      } catch (error) {
        if (mine === asked) list.replaceChildren(el("li", { class: "error small" }, `${T.failed} ${error.message}`));
      }
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, DELAY_MS); });
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
  }

  document.querySelectorAll(".link-picker").forEach(picker);
  document.addEventListener("click", (event) => {
    const remove = event.target.closest(".link-row .remove");
    if (remove) remove.closest(".link-row").remove();
  });
})();
