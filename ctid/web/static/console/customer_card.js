// The known caller's card in a pop: phones to dial, opt-outs, due reminders, the reminder history (what
// was done about them lately), vehicles, last visits, open follow-ups and recent calls (those with a
// recording this user may hear link to its player).
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label, when, day } = C;

  function section(title, rows, render) {
    return el("section", { class: `pop-section${rows.length ? "" : " empty"}` }, el("h3", {}, title),
      rows.length ? render(rows) : el("p", { class: "muted small" }, T.none));
  }

  function table(headers, rows) {
    return el("table", { class: "list compact" },
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((cell) => el("td", {}, cell))))));
  }

  // ``actions`` (optional): what the call can do about this customer, shown under the name and phones.
  function customerCard(customer, line, actions = null) {
    return el("div", { class: "customer", dataset: { customer: customer.id } },
      el("h2", { class: "customer-name" }, customer.name, " ",
        el("small", { class: "muted" }, label(customer.kind), customer.level ? ` · ${T.level} ${customer.level}` : "")),
      el("p", { class: "phones" }, customer.phones.map((p) => el("span", { class: "phone" },
        p.label ? `${p.label} ` : "", C.dialButton(p.number, line, p.e164, customer.about)))),
      actions,
      nextAppointment(customer),
      customer.opt_outs.length ? el("p", { class: "opt-outs error" },
        `${T.opted_out} ${customer.opt_outs.map(label).join("、")}`) : null,
      customer.tags.length || customer.address || customer.email ? el("p", { class: "small muted customer-extra" },
        customer.tags.map((t) => el("span", { class: "tag" }, t)), customer.address ? ` ${T.address} ${customer.address}` : "",
        customer.email ? ` ${T.email} ${customer.email}` : "") : null,
      section(T.due_reminders, customer.due_reminders, (rows) => el("ul", { class: "plain reminders" },
        rows.map((r) => el("li", {}, el("strong", {}, label(r.kind)), " ", r.plate || "", " ", day(r.due_on),
          r.kind === "birthday" && customer.birthday_lunar ? el("span", { class: "lunar muted" }, ` ${T.lunar} ${customer.birthday_lunar}`) : "")))),
      reminderHistory(customer),
      section(T.vehicles, customer.vehicles, (rows) => table(
        [T.plate, T.vehicle, T.role, T.mileage, T.insurance_expiry, T.inspection_due, T.next_service_due],
        rows.map((v) => [v.plate, `${v.brand || ""} ${v.model || ""}`.trim(), v.roles.map(label).join(" / "),
          v.mileage_km ?? "—", day(v.insurance_expiry), day(v.inspection_due), day(v.next_service_due)]))),
      section(T.last_visits, customer.last_visits, (rows) => table(
        [T.visited_on, T.plate, T.summary, T.amount, T.advisor],
        rows.map((v) => [day(v.visited_on), v.plate || "", v.summary, v.amount, v.advisor || ""]))),
      section(T.follow_ups, customer.open_follow_ups, (rows) => el("ul", { class: "plain follow-ups" },
        rows.map((f) => el("li", { class: f.kind },
          el("strong", {}, label(f.kind)), " ", f.category ? `[${f.category}] ` : "", f.content,
          el("span", { class: "small muted" }, ` · ${label(f.status)} ${f.due_on ? day(f.due_on) : ""}`))))),
      section(T.recent_calls, customer.recent_calls, (rows) => linkRecordings(el("ul", { class: "plain recent" },
        rows.map((c) => el("li", { class: "small", dataset: { call: c.id || "" } },
          when(c.started_at), " · ", label(c.direction), " · ", label(c.outcome || "in call")))))));
  }

  // The customer's next appointment (预约): the customers API's card has it; a pop's card asks once a page
  // (the pop's own read stays as it was), and every card of the customer shows it when the answer comes.
  const nextOf = new Map();
  const siteToday = () => new Intl.DateTimeFormat("en-CA", { timeZone: C.root.dataset.timezone }).format(new Date());
  function showNext(node, booked) {
    node.hidden = !booked;
    if (booked) node.replaceChildren(el("strong", {}, T.next_appointment), " ", window.CtidBooking.line(booked));
  }
  function nextAppointment(customer) {
    const node = el("p", { class: "small next-appointment", dataset: { customer: customer.id }, hidden: true });
    if (customer.next_appointment !== undefined) nextOf.set(customer.id, customer.next_appointment);
    if (nextOf.has(customer.id)) showNext(node, nextOf.get(customer.id));
    else {
      nextOf.set(customer.id, null);
      api("GET", `/api/v1/appointments?customer=${customer.id}&status=booked&from=${siteToday()}&per_page=1`)
        .then((page) => {
          nextOf.set(customer.id, page.items[0] || null);
          document.querySelectorAll(`.next-appointment[data-customer="${customer.id}"]`)
            .forEach((shown) => showNext(shown, page.items[0]));
        })
        .catch(() => nextOf.delete(customer.id)); // asked again at the next drawing
    }
    return node;
  }

  // What was done about the customer's reminders lately (提醒记录: the worklist's outcomes, SMS sent, letters),
  // newest first, as the customer page shows it: asked once a page, like the next appointment; a user
  // without the worklist's permission sees no section.
  const HISTORY_SHOWN = 5;
  const NOTE_SHOWN = 40;  // characters of a note on the card; the whole of it on hover and on the customer page
  const short = (text) => (text.length > NOTE_SHOWN ? `${text.slice(0, NOTE_SHOWN)}…` : text);
  const historyOf = new Map();
  function historyLine(e) {
    return el("li", { class: "reminder-event small", dataset: { item: e.item_id } },
      el("span", { class: "muted" }, `${when(e.at)} · ${e.user_name || "ctid"} · `),
      label(e.type), e.outcome ? [" · ", el("strong", {}, label(e.outcome))] : "",
      e.note ? el("span", { class: "muted event-note", title: e.note }, ` · ${short(e.note)}`) : "");
  }
  function showHistory(node, events) {
    node.hidden = events === null;
    if (events !== null) {
      node.replaceChildren(section(T.reminder_history, events.slice(0, HISTORY_SHOWN),
        (rows) => el("ul", { class: "plain reminder-events" }, rows.map(historyLine))));
    }
  }
  function reminderHistory(customer) {
    const node = el("div", { class: "reminder-history", dataset: { customer: customer.id }, hidden: true });
    if (historyOf.has(customer.id)) showHistory(node, historyOf.get(customer.id));
    else {
      historyOf.set(customer.id, null);
      api("GET", `/api/v1/reminders?customer=${customer.id}`)
        .then((body) => {
          historyOf.set(customer.id, body.events);
          document.querySelectorAll(`.reminder-history[data-customer="${customer.id}"]`)
            .forEach((shown) => showHistory(shown, body.events));
        })
        .catch(() => {});  // no permission, or the daemon busy: the card stands without it
    }
    return node;
  }
  // The recent calls that have a recording this user may hear get a link to its player (asked once per
  // call: the card is drawn again on every update of the pop).
  const recordingOf = new Map();
  function linkRecordings(list) {
    const ids = [...list.querySelectorAll("li[data-call]")].map((li) => li.dataset.call).filter(Boolean);
    const addLinks = () => list.querySelectorAll("li[data-call]").forEach((li) => {
      const recording = recordingOf.get(li.dataset.call);
      if (recording && !li.querySelector(".recording-link")) {
        li.append(" · ", el("a", { class: "recording-link", href: `/recordings/${recording}`, target: "_blank" }, `▶ ${T.listen}`));
      }
    });
    const unknown = ids.filter((id) => !recordingOf.has(id));
    if (!unknown.length) addLinks();
    else {
      api("GET", `/api/v1/recordings/links?${unknown.map((id) => `call=${encodeURIComponent(id)}`).join("&")}`)
        .then((data) => { unknown.forEach((id) => recordingOf.set(id, data.links[id] || null)); addLinks(); })
        .catch(() => {});  // no links is no worse than before: the card itself is drawn
    }
    return list;
  }

  Object.assign(C, { customerCard });
})();
