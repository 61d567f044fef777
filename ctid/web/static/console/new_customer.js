// An unknown caller's pop offers a new-customer form; a number another customer already has asks first,
// naming who has it.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label } = C;

  function newCustomerForm(pop) {
    const field = (name, text, input) => el("label", { dataset: { field: name } }, text, input);
    const form = el("form", { class: "stack new-customer", onsubmit: (event) => saveCustomer(event, pop) },
      el("h3", {}, T.unknown_caller),
      el("div", { class: "form-grid" },
        field("name", T.name, el("input", { name: "name", required: true, maxlength: 100 })),
        field("kind", T.kind, el("select", { name: "kind" },
          el("option", { value: "person" }, label("person")), el("option", { value: "company" }, label("company")))),
        field("phones", T.phone, el("input", { name: "phone", value: pop.call.number, inputmode: "tel" })),
        field("plate", T.plate, el("input", { name: "plate", maxlength: 16 })),
        field("brand", T.brand, el("input", { name: "brand", maxlength: 32 })),
        field("model", T.model, el("input", { name: "model", maxlength: 64 }))),
      field("notes", T.notes, el("textarea", { name: "notes", rows: 2, maxlength: 2000 })),
      el("p", { class: "form-error error", hidden: true }),
      el("div", {}, el("button", { type: "submit", class: "primary" }, T.save_customer)));
    return form;
  }

  async function saveCustomer(event, pop, confirmed = false) {
    event.preventDefault();
    const form = event.target.closest("form");
    const value = (name) => form.elements[name].value;
    const problem = form.querySelector(".form-error");
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    try {
      pop.customer = await api("POST", "/api/v1/customers", {
        name: value("name"), kind: value("kind"), phones: [value("phone")], plate: value("plate"),
        brand: value("brand"), model: value("model"), notes: value("notes"), call_id: pop.call.id,
        confirm_shared_phone: confirmed,
      });
      C.renderPop(pop);
      pop.node.querySelector(".pop-body").prepend(el("p", { class: "ok" }, T.customer_saved));
    } catch (error) {
      problem.hidden = false;
      problem.replaceChildren(error.message);
      if (error.code === "phone_shared") problem.append(sharedPhone(error.details.customers || [], pop));
      const invalid = error.field && form.querySelector(`[data-field="${error.field}"]`);
      if (invalid) invalid.classList.add("invalid");
    }
  }

  // Who else has the number (links open a tab of their own: the pop stays as it is) and the operator's yes.
  function sharedPhone(holders, pop) {
    return el("span", { class: "shared-phone" },
      el("ul", { class: "plain" }, holders.map((c) => el("li", {},
        el("a", { href: `/customers/${c.id}`, target: "_blank", rel: "noopener", class: "shared-phone-customer" }, c.name),
        " ", c.number))),
      el("button", { type: "button", class: "small confirm-shared-phone",
        onclick: (event) => saveCustomer(event, pop, true) }, T.save_shared));
  }

  Object.assign(C, { newCustomerForm });
})();
