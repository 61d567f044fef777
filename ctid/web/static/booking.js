// The booking form of an appointment (预约), one for every place that books: the worklist's item, the pop's
// card and the customer page. CtidBooking.form({customerId, vehicles: [{id, plate}], source, reminderItemId,
// onBooked, onCancel}) returns a <form> to put where the page wants it. The day's slots come from the API
// with the room each has for the chosen advisor (a full one cannot be picked); a refusal (a slot filled
// meanwhile) is said beside the field it names. The page gives the words (_booking_texts.html).
"use strict";

window.CtidBooking = window.CtidBooking || (() => {
  const node = document.getElementById("booking-texts");
  const T = node ? JSON.parse(node.textContent) : {};
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  let advisors = null; // fetched once a page
  let catalogue = null;

  const pad = (n) => String(n).padStart(2, "0");
  const isoDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const field = (name, text, input) => el("label", { dataset: { field: name } }, text, input);
  const option = (value, text, extra = {}) => el("option", { value, ...extra }, text);

  async function fillSlots(form) {
    const { day, advisor_id: advisor, slot } = form.elements;
    if (!day.value) return;
    const query = `day=${encodeURIComponent(day.value)}${advisor.value ? `&advisor=${advisor.value}` : ""}`;
    try {
      const answer = await api("GET", `/api/v1/appointments/slots?${query}`);
      const kept = slot.value; // what the user has picked by now (the answer may come after a choice)
      slot.replaceChildren(...answer.items.map((s) => {
        const room = s.free === null ? "" : s.free ? ` · ${T.free.replace("%(count)s", s.free)}` : ` · ${T.full}`;
        return option(s.slot, `${s.slot}–${s.ends}${room}`, { disabled: s.free === 0 });
      }));
      const again = [...slot.options].find((o) => o.value === kept && !o.disabled);
      const first = [...slot.options].find((o) => !o.disabled);
      if (again || first) slot.value = (again || first).value;
    } catch (error) {
      say(form, error);
    }
  }

  async function fillChoices(form) {
    advisors = advisors || api("GET", "/api/v1/appointments/advisors").then((a) => a.items);
    catalogue = catalogue || api("GET", "/api/v1/catalogue?active=true&per_page=200").then((c) => c.items);
    const [people, items] = await Promise.all([advisors, catalogue]).catch(() => [[], []]);
    form.elements.advisor_id.append(...people.map((p) => option(p.id, p.name)));
    form.elements.service_item_id.append(...items.map((i) => option(i.id, i.name)));
  }

  function say(form, error) {
    const problem = form.querySelector(".form-error");
    problem.hidden = false;
    problem.textContent = `${T.failed} ${error.message}`;
    const where = error.field && form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
    if (where) where.classList.add("invalid");
  }

  function body(form, options) {
    const v = (name) => form.elements[name].value.trim();
    const id = (name) => (v(name) ? Number(v(name)) : null);
    const sent = {
      customer_id: options.customerId, day: v("day"), slot: v("slot"), vehicle_id: id("vehicle_id"),
      service_item_id: id("service_item_id"), service: v("service"), note: form.elements.note.value.trim(),
      source: options.source || "customer",
    };
    if (id("advisor_id")) sent.advisor_id = id("advisor_id");
    if (options.reminderItemId) sent.reminder_item_id = options.reminderItemId;
    // the confirmation SMS is queued by the server with the booking: both or neither
    if (form.elements.confirm_sms && form.elements.confirm_sms.checked) sent.confirm_sms = true;
    return sent;
  }

  function form(options) {
    const tomorrow = new Date(Date.now() + 864e5);
    const vehicles = options.vehicles || [];
    const built = el("form", { class: "stack booking-form", novalidate: true },
      el("h3", {}, T.title),
      el("div", { class: "row wrap" },
        field("day", T.day, el("input", { type: "date", name: "day", min: isoDay(new Date()), value: isoDay(tomorrow), required: true })),
        field("advisor_id", T.advisor, el("select", { name: "advisor_id" }, option("", T.advisor_auto))),
        field("slot", T.slot, el("select", { name: "slot", required: true }))),
      el("div", { class: "row wrap" },
        field("vehicle_id", T.vehicle, el("select", { name: "vehicle_id" }, option("", T.no_vehicle),
          vehicles.map((car, i) => option(car.id, car.plate, { selected: i === 0 })))),
        field("service_item_id", T.service_item, el("select", { name: "service_item_id" }, option("", T.no_item))),
        field("service", T.service, el("input", { name: "service", maxlength: 100, placeholder: T.service_hint }))),
      field("note", T.note, el("textarea", { name: "note", rows: 2, maxlength: 2000 })),
      T.sms ? el("label", { class: "check" }, el("input", { type: "checkbox", name: "confirm_sms", checked: true }), T.confirm_sms) : null,
      el("p", { class: "form-error error", role: "alert", hidden: true }),
      el("div", { class: "row" },
        el("button", { type: "submit", class: "small primary" }, T.book),
        el("button", { type: "button", class: "small link", onclick: () => options.onCancel && options.onCancel() }, T.cancel)));
    built.addEventListener("change", (event) => {
      event.target.closest("label")?.classList.remove("invalid");
      if (["day", "advisor_id"].includes(event.target.name)) fillSlots(built);
    });
    built.addEventListener("submit", async (event) => {
      event.preventDefault();
      built.querySelector(".form-error").hidden = true;
      built.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
      const button = built.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const made = await api("POST", "/api/v1/appointments", body(built, options));
        // a customer who takes no SMS (no mobile, opted out): the booking stands, the desk is told why
        if (made.confirmation && made.confirmation.error) window.alert(`${T.sms_failed} ${made.confirmation.error}`);
        if (options.onBooked) options.onBooked(made);
      } catch (error) {
        say(built, error);
        if (error.code === "slot_full") fillSlots(built);
      } finally {
        button.disabled = false;
      }
    });
    fillChoices(built).then(() => fillSlots(built));
    return built;
  }

  // <button data-book='{"customerId", "vehicles", "source", "reminderItemId"?, "stay"?}'> opens the form after
  // itself. Booked, the button's "booked" event carries the appointment; the page reloads unless "stay".
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-book]");
    if (!button) return;
    const options = JSON.parse(button.dataset.book);
    let place = button.parentElement.querySelector(".booking-place");
    if (!place) place = button.insertAdjacentElement("afterend", el("div", { class: "booking-place" }));
    const booked = (made) => {
      place.replaceChildren(el("p", { class: "booked small", role: "status" }, `${T.booked} ${line(made)}`));
      button.dispatchEvent(new CustomEvent("booked", { detail: made, bubbles: true }));
      if (!options.stay) location.reload();
    };
    place.replaceChildren(form({ ...options, onBooked: booked, onCancel: () => place.replaceChildren() }));
    place.querySelector("input, select")?.focus();
  });

  // "2026-12-09 09:30 · 王工 · 首保": one line for an appointment wherever it is shown
  const line = (a) => [`${a.day} ${a.slot}`, a.advisor_name, a.plate, a.service].filter(Boolean).join(" · ");

  return { form, line, T };
})();
