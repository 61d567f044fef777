// A known caller's card leads somewhere: the customer's page, and the actions of a call made from the card
// without leaving the console (a small form that opens under the card): a new follow-up or complaint, a new
// visit for one of the customer's vehicles. Saved through the CRM's own API; an error names the field.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label, fmt } = C;
  const PHONE_CHANNEL = "电话"; // data, like the customer page's channel choices (a call came in by phone)

  const pageOf = (customer) => `/customers/${customer.id}`;

  function customerLink(customer) {
    return el("a", { class: "small customer-page", href: pageOf(customer), target: "_blank", rel: "noopener" },
      `${T.customer_page} ↗`);
  }

  // The row of actions under a known caller's card, and the place their forms open in.
  function cardActions(pop) {
    const panel = el("div", { class: "card-action-form" });
    const status = el("p", { class: "small card-action-status", role: "status" });
    const open = (build) => {
      status.replaceChildren();
      panel.replaceChildren(build(pop, panel, status));
      const first = panel.querySelector("textarea, input, select");
      if (first) first.focus();
    };
    return el("div", { class: "card-actions", dataset: { customer: pop.customer.id } },
      el("div", { class: "row" },
        customerLink(pop.customer),
        el("button", { type: "button", class: "small new-follow-up", onclick: () => open(followUpForm) }, T.new_follow_up),
        el("button", { type: "button", class: "small new-visit", onclick: () => open(visitForm) }, T.new_visit),
        el("button", { type: "button", class: "small book", onclick: () => open(bookingForm) }, T.book),
        el("button", { type: "button", class: "small send-sms",
          dataset: { smsCustomer: pop.customer.id, smsName: pop.customer.name } }, T.send_sms)),
      panel, status);
  }

  const field = (name, text, input) => el("label", { dataset: { field: name } }, text, input);

  function actionForm(className, title, fields, save, panel) {
    const problem = el("p", { class: "form-error error", role: "alert", hidden: true });
    const form = el("form", { class: `stack ${className}`, novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
      problem.hidden = true;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await save(form);
      } catch (error) {
        problem.hidden = false;
        problem.replaceChildren(`${T.failed} ${error.message}`);
        const invalid = error.field && form.querySelector(`[data-field="${error.field}"]`);
        if (invalid) invalid.classList.add("invalid");
      } finally {
        button.disabled = false;
      }
    } },
      el("h3", {}, title), fields, problem,
      el("div", { class: "row" }, el("button", { type: "submit", class: "small primary" }, T.save),
        el("button", { type: "button", class: "small link", onclick: () => panel.replaceChildren() }, T.cancel)));
    return form;
  }

  // The card is drawn again with the customer as they are now, then says what was done (with a link).
  async function done(pop, text, anchor) {
    pop.customer = await api("GET", `/api/v1/customers/${pop.customer.id}`);
    C.renderPop(pop);
    const status = pop.node.querySelector(".card-action-status");
    if (status) {
      status.className = "small card-action-status ok-text";
      status.replaceChildren(text, " ", el("a", { href: `${pageOf(pop.customer)}#${anchor}`, target: "_blank", rel: "noopener" },
        T.customer_page));
    }
  }

  function followUpForm(pop, panel) {
    const fields = el("div", { class: "form-grid" },
      field("kind", T.kind, el("select", { name: "kind" },
        ["follow_up", "complaint"].map((kind) => el("option", { value: kind }, label(kind))))),
      field("category", T.category, el("input", { name: "category", maxlength: 32 })),
      field("due_on", T.due, el("input", { name: "due_on", type: "date" })));
    const content = field("content", T.content, el("textarea", { name: "content", rows: 3, maxlength: 2000, required: true }));
    return actionForm("follow-up-form", T.new_follow_up, [fields, content], async (form) => {
      const value = (name) => form.elements[name].value;
      const saved = await api("POST", "/api/v1/follow-ups", {
        customer_id: pop.customer.id, kind: value("kind"), category: value("category"), channel: PHONE_CHANNEL,
        content: value("content"), due_on: value("due_on") || null,
      });
      await done(pop, fmt(T.follow_up_saved, { kind: label(saved.kind) }), "follow-ups");
    }, panel);
  }

  function visitForm(pop, panel) {
    const vehicles = pop.customer.vehicles || [];
    if (!vehicles.length) {
      return el("p", { class: "small no-vehicle" }, T.no_vehicle, " ",
        el("a", { href: pageOf(pop.customer), target: "_blank", rel: "noopener" }, T.customer_page));
    }
    const fields = el("div", { class: "form-grid" },
      field("vehicle_id", T.plate, el("select", { name: "vehicle_id" }, vehicles.map((v) => el("option", { value: v.id },
        [v.plate, v.brand, v.model].filter(Boolean).join(" "))))),
      field("mileage_km", T.mileage, el("input", { name: "mileage_km", type: "number", min: 0, step: 1, inputmode: "numeric" })));
    const notes = field("notes", T.visit_notes, el("textarea", { name: "notes", rows: 2, maxlength: 2000 }));
    return actionForm("visit-form", T.new_visit, [fields, notes], async (form) => {
      const mileage = form.elements.mileage_km.value.trim();
      const vehicle = vehicles.find((v) => String(v.id) === form.elements.vehicle_id.value);
      await api("POST", "/api/v1/visits", {
        vehicle_id: Number(form.elements.vehicle_id.value), customer_id: pop.customer.id,
        mileage_km: mileage === "" ? null : mileage, notes: form.elements.notes.value,
      });
      await done(pop, fmt(T.visit_saved, { plate: vehicle ? vehicle.plate : "" }), "visits");
    }, panel);
  }

  // The booking form (static/booking.js, the worklist's and the customer page's too), from the call's card.
  function bookingForm(pop, panel) {
    const booking = window.CtidBooking;
    return booking.form({ customerId: pop.customer.id, vehicles: pop.customer.vehicles || [], source: "pop",
      onCancel: () => panel.replaceChildren(),
      onBooked: (made) => done(pop, `${booking.T.booked} ${booking.line(made)}`, "appointments") });
  }

  Object.assign(C, { cardActions, customerLink });
})();
