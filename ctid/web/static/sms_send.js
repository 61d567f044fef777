// Sending one SMS, for the customer page, the console's pop card and the SMS page: any button with
// data-sms-customer (a customer's id; their first mobile) or data-sms-number ("": a number to type) opens
// one dialog: a template (its values asked for) or a free text, a live preview of what goes (length,
// encoding, parts: POST /api/v1/sms/preview), then POST /api/v1/sms. The words are the page's #sms-texts.
"use strict";

window.CtidSms = window.CtidSms || (() => {
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const T = JSON.parse((document.getElementById("sms-texts") || {}).textContent || "{}");
  // A template's values the sender may type. The first two the CRM cannot know: asked for whenever the
  // template uses them. The others it fills from the customer (their name, their first car's plate, their
  // advisor); asked for only when it cannot (a number typed in, a customer without an advisor): the
  // preview reports them as filled with samples, and the send would be refused for want of them.
  const ALWAYS = ["due_date", "appointment_time"];
  const VALUES = [...ALWAYS, "customer", "plate", "advisor"];
  let dialog = null;
  let templates = null;
  let timer = null;

  const field = (name, text, input) => el("label", { class: "sms-field", dataset: { field: name } }, text, input);

  function build() {
    const form = el("form", { class: "stack sms-send", method: "dialog", novalidate: true });
    form.append(
      el("h2", {}, T.title),
      el("p", { class: "sms-to muted" }),
      field("number", T.number, el("input", { name: "number", inputmode: "tel", autocomplete: "off" })),
      field("template", T.template, el("select", { name: "template" }, el("option", { value: "" }, T.free_text))),
      ...VALUES.map((name) => field("values", T[name], el("input", { name, dataset: { value: name } }))),
      field("text", T.text, el("textarea", { name: "text", rows: 4, maxlength: 1000 })),
      el("p", { class: "sms-preview small muted", "aria-live": "polite" }),
      el("p", { class: "form-error error", role: "alert", hidden: true }),
      el("div", { class: "row" },
        el("button", { type: "submit", class: "primary" }, T.send),
        el("button", { type: "button", class: "link", onclick: () => dialog.close() }, T.cancel)));
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => preview(form), 250); });
    form.addEventListener("change", () => shown(form));
    form.addEventListener("submit", (event) => { event.preventDefault(); send(form); });
    dialog = el("dialog", { class: "sms-dialog", id: "sms-dialog" }, form);
    document.body.append(dialog);
  }

  function body(form, forPreview) {
    const data = {};
    const template = form.template.value;
    if (form.dataset.customer) data.customer_id = Number(form.dataset.customer);
    else if (!forPreview) data.number = form.number.value.trim();
    if (template) {
      data.template = template;
      data.values = {};
      VALUES.forEach((name) => { if (form[name].value.trim()) data.values[name] = form[name].value.trim(); });
    } else data.text = form.text.value;
    return data;
  }

  // Only the fields that mean something now: the number without a customer, the values a template uses
  // that the sender must give (once asked for, a field stays while the template does).
  const asked = new Set();
  function shown(form) {
    const chosen = (templates || []).find((t) => t.key === form.template.value);
    if (form.dataset.shownTemplate !== form.template.value) asked.clear();
    form.dataset.shownTemplate = form.template.value;
    form.querySelector("[data-field=number]").hidden = Boolean(form.dataset.customer);
    form.querySelector("[data-field=text]").hidden = Boolean(chosen);
    VALUES.forEach((name) => {
      const uses = Boolean(chosen && chosen.text.includes(`{${name}}`));
      form[name].parentNode.hidden = !(uses && (ALWAYS.includes(name) || asked.has(name)));
    });
    preview(form);
  }

  function askFor(form, sampled) {
    const more = (sampled || []).filter((name) => VALUES.includes(name) && !asked.has(name));
    more.forEach((name) => { asked.add(name); form[name].parentNode.hidden = false; });
  }

  let previews = 0; // the last preview asked for: an older answer arriving late is dropped
  async function preview(form) {
    const out = form.querySelector(".sms-preview");
    const data = body(form, true);
    const asked = ++previews;
    if (!data.template && !data.text.trim()) { out.replaceChildren(); delete out.dataset.parts; return; }
    try {
      const found = await api("POST", "/api/v1/sms/preview", data);
      if (asked !== previews) return; // a newer preview is on its way: this one is stale
      out.replaceChildren(
        data.template ? el("span", { class: "sms-rendered" }, found.text) : "", data.template ? el("br") : "",
        T.counted.replace("%(length)s", found.length).replace("%(encoding)s", found.encoding === "ucs2" ? T.ucs2 : T.gsm7)
          .replace("%(parts)s", found.parts));
      out.dataset.parts = found.parts;
      if (data.template && data.template === form.template.value) askFor(form, found.sampled);
    } catch (error) {
      if (asked !== previews) return;
      out.replaceChildren(error.message);
    }
  }

  async function send(form) {
    const problem = form.querySelector(".form-error");
    problem.hidden = true;
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const sent = await api("POST", "/api/v1/sms", body(form, false));
      dialog.close();
      document.dispatchEvent(new CustomEvent("ctid:sms-queued", { detail: sent }));
      const note = document.getElementById("sms-status");
      if (note) note.replaceChildren(T.queued.replace("%(number)s", sent.number_local));
    } catch (error) {
      problem.hidden = false;
      problem.replaceChildren(error.message);
      const invalid = error.field && form.querySelector(`[data-field="${error.field}"]`);
      if (invalid) invalid.classList.add("invalid");
    } finally {
      button.disabled = false;
    }
  }

  async function open(customer, name) {
    if (!dialog) build();
    const form = dialog.querySelector("form");
    form.reset();
    delete form.dataset.shownTemplate;
    form.dataset.customer = customer || "";
    form.querySelector(".sms-to").replaceChildren(customer ? T.to.replace("%(name)s", name || "") : "");
    form.querySelector(".form-error").hidden = true;
    form.querySelector(".sms-preview").replaceChildren();
    dialog.showModal();
    if (templates === null) {
      templates = (await api("GET", "/api/v1/sms/templates?active=true").catch(() => ({ items: [] }))).items;
      form.template.append(...templates.map((t) => el("option", { value: t.key }, t.name)));
    }
    shown(form);
    (customer ? form.template : form.number).focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-sms-customer], [data-sms-number]");
    if (button) open(button.dataset.smsCustomer || "", button.dataset.smsName || "");
  });
  return { open };
})();
