// An unknown caller may be a customer calling from a new phone: beside "new customer", a search of the
// customers (GET /api/v1/search) and, on the one picked, PUT /api/v1/calls/{id}/customer with add_number:
// the number joins their phones (the next call from it pops them) and the card becomes theirs. A number
// another customer already has asks first, naming who has it, as the new-customer form does.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label, fmt } = C;
  const LIMIT = 8;

  function attachForm(pop) {
    const input = el("input", { name: "q", type: "search", maxlength: 100, placeholder: T.search_customers,
      "aria-label": T.search_customers, autocomplete: "off" });
    const hits = el("ul", { class: "plain attach-hits" });
    const problem = el("div", { class: "form-error error", role: "alert", hidden: true });
    let asked = 0;
    const search = async () => {
      const q = input.value.trim();
      const mine = ++asked;
      problem.hidden = true;
      if (!q) { hits.replaceChildren(); return; }
      try {
        const data = await api("GET", `/api/v1/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
        if (mine !== asked) return; // a later search answered first: its hits stand
        hits.replaceChildren(...(data.items.length ? data.items.map((hit) => hitRow(hit, pop, problem))
          : [el("li", { class: "muted small" }, T.no_hits)]));
      } catch (error) {
        if (mine === asked) say(problem, `${T.failed} ${error.message}`);
      }
    };
    let timer = null;
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 250); });
    return el("form", { class: "stack attach-number", onsubmit: (event) => { event.preventDefault(); clearTimeout(timer); search(); } },
      el("h3", {}, fmt(T.attach_title, { number: pop.call.number || "" })),
      el("div", { class: "row" }, input, el("button", { type: "submit", class: "small" }, T.search)),
      hits, problem);
  }

  function say(problem, ...content) {
    problem.hidden = false;
    problem.replaceChildren(...content);
  }

  function hitRow(hit, pop, problem) {
    return el("li", { dataset: { customer: hit.id } },
      el("strong", {}, hit.name), " ", el("span", { class: "small muted" }, label(hit.kind),
        hit.phones.length ? ` · ${hit.phones.join(", ")}` : "", hit.plates.length ? ` · ${hit.plates.join(", ")}` : ""), " ",
      el("button", { type: "button", class: "small attach", onclick: () => attach(pop, hit, problem, false) },
        T.attach_this));
  }

  async function attach(pop, hit, problem, confirmed) {
    try {
      await api("PUT", `/api/v1/calls/${pop.call.id}/customer`,
        { customer_id: hit.id, add_number: true, confirm_shared_phone: confirmed });
      pop.customer = await api("GET", `/api/v1/customers/${hit.id}`);
      C.renderPop(pop);
      pop.node.querySelector(".pop-body").prepend(el("p", { class: "ok attached" },
        fmt(T.number_attached, { number: pop.call.number || "", name: pop.customer.name })));
    } catch (error) {
      say(problem, `${T.failed} ${error.message}`);
      if (error.code === "phone_shared") problem.append(sharedWith(error.details.customers || [], pop, hit, problem));
    }
  }

  // Who else has the number (links open a tab of their own) and the operator's yes.
  function sharedWith(holders, pop, hit, problem) {
    return el("span", { class: "shared-phone" },
      el("ul", { class: "plain" }, holders.map((c) => el("li", {},
        el("a", { href: `/customers/${c.id}`, target: "_blank", rel: "noopener", class: "shared-phone-customer" }, c.name),
        " ", c.number))),
      el("button", { type: "button", class: "small confirm-shared-phone",
        onclick: () => attach(pop, hit, problem, true) }, T.attach_shared));
  }

  Object.assign(C, { attachForm });
})();
