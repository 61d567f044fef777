// The worklist page (/reminders): what came of an item (an outcome, a note, a call back, a snooze) goes to
// PATCH /api/v1/reminders/{id}; a booking made from an item (static/booking.js) closes it as booked with the
// appointment; "Send the SMS" queues the item's preset through POST /api/v1/sms; "Send the e-mail" sends an
// e-mail item through POST /api/v1/reminders/{id}/email (the server closes it as sent); "Card" shows the customer's
// card beside the list (their numbers dial in one click: static/dial.js marks them).
"use strict";

(() => {
  const T = JSON.parse(document.getElementById("worklist-texts").textContent);
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const status = document.getElementById("worklist-status");
  const card = document.getElementById("customer-card");

  const itemOf = (node) => node.closest("[data-reminder]");
  const say = (text, bad = false) => {
    status.className = `form-status${bad ? " error" : " ok-text"}`;
    status.textContent = text;
  };

  function problem(form, error) {
    say(`${T.failed} ${error.message}`, true);
    const where = error.field && form && form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
    if (where) where.classList.add("invalid");
  }

  async function change(item, body, form) {
    try {
      await api("PATCH", `/api/v1/reminders/${item.dataset.reminder}`, body);
      say(T.saved);
      location.reload();
    } catch (error) {
      problem(form, error);
    }
  }

  document.addEventListener("change", (event) => {
    if (event.target.name !== "outcome") return;
    const form = event.target.form;
    form.querySelector(".call-back").hidden = event.target.value !== "call_back";
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest(".outcome-form");
    if (!form) return;
    event.preventDefault();
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    const value = (name) => form.elements[name].value.trim();
    const body = {};
    if (value("outcome")) body.outcome = value("outcome");
    if (value("note")) body.note = value("note");
    if (value("snoozed_until") && !body.outcome) body.snoozed_until = value("snoozed_until");
    if (body.outcome === "call_back") {
      if (!value("call_back_at")) return problem(form, { message: T.call_back_when, field: "call_back_at" });
      body.call_back_at = value("call_back_at");
    }
    if (!body.outcome && !body.snoozed_until && !body.note) return problem(form, { message: T.choose_outcome, field: "outcome" });
    change(itemOf(form), body, form);
  });

  // booked from an item: the item is done, with the appointment it led to
  document.addEventListener("booked", (event) => {
    const item = itemOf(event.target);
    if (item) change(item, { outcome: "booked", appointment_id: event.detail.id }, item.querySelector("form"));
  });

  document.addEventListener("click", async (event) => {
    const sms = event.target.closest("button.send-sms");
    const email = event.target.closest("button.send-email");
    const show = event.target.closest("button.show-card");
    if (email) {
      email.disabled = true;
      try {
        const sent = await api("POST", `/api/v1/reminders/${itemOf(email).dataset.reminder}/email`);
        say(`${T.email_sent} ${sent.note}`);
        location.reload();
      } catch (error) {
        problem(null, error);
        email.disabled = false;
      }
    } else if (sms) {
      const item = itemOf(sms);
      const customer = Number(sms.closest("[data-customer]").dataset.customer);
      sms.disabled = true;
      try {
        const values = { due_date: item.dataset.due, ...(item.dataset.plate ? { plate: item.dataset.plate } : {}) };
        const sent = await api("POST", "/api/v1/sms", { customer_id: customer, template: sms.dataset.template, values });
        // an SMS item is done by it; a call's item keeps going (book him in next), the SMS in its history
        const worked = item.dataset.channel === "sms" ? { outcome: "sent" } : { note: `${T.sms_queued} ${sent.text}` };
        await api("PATCH", `/api/v1/reminders/${item.dataset.reminder}`, worked);
        say(`${T.sms_queued} ${sent.text}`);
      } catch (error) {
        problem(null, error);
        sms.disabled = false;
      }
    } else if (show) {
      showCard(Number(show.closest("[data-customer]").dataset.customer));
    }
  });

  async function showCard(id) {
    try {
      const c = await api("GET", `/api/v1/customers/${id}`);
      const rows = (c.vehicles || []).map((v) => el("tr", {}, [v.plate, v.insurance_expiry || "—", v.inspection_due || "—",
        v.next_service_due || "—"].map((cell) => el("td", {}, cell))));
      card.replaceChildren(...[
        el("h2", {}, c.name, " ", el("a", { class: "small", href: `/customers/${c.id}` }, T.customer_page)),
        el("p", { class: "phones" }, c.phones.map((p) => el("span", { class: "phone" }, el("span", { dataset: { dial: p.e164 || "" } },
          window.CtidPhone ? window.CtidPhone.shown(p.e164, p.number) : p.number), p.label ? ` ${p.label} ` : " "))),
        c.email ? el("p", { class: "small email" }, `${T.email} ${c.email}`) : null,
        c.next_appointment ? el("p", { class: "small" }, window.CtidBooking.line(c.next_appointment)) : null,
        el("h3", {}, T.vehicles),
        el("table", { class: "list compact" }, el("thead", {}, el("tr", {}, ["", T.insurance_expiry, T.inspection_due,
          T.next_service_due].map((h) => el("th", {}, h)))), el("tbody", {}, rows)),
        el("h3", {}, T.last_visits),
        el("ul", { class: "plain small" }, (c.last_visits || []).map((v) => el("li", {}, `${v.visited_on} ${v.plate || ""} ${v.summary}`))),
      ].filter(Boolean));
      card.hidden = false;
    } catch (error) {
      problem(null, error);
    }
  }
})();
