// The CRM's edit forms, declared in the page: <form class="api-form" data-method data-url data-next> sends
// its inputs as JSON to the API and then reloads ("reload") or follows data-next, "{key}" taken from the
// answer ("/prospects/{id}"). How an input is sent is its data-as: int, id (number or null), nullable
// (blank is null), bool, list (split at commas and spaces), checked-list (the checked boxes of that name);
// else its text. Phone rows (.phone-row) become "phones"; a vehicle's people (.link-row, in .link-rows:
// data-customer and its role) become "customers"; opt-out rows (.opt-out) are PUT to data-opt-outs after
// the form's own request. An error goes next to the input the API names.
// [data-toggle=ID] buttons show and hide element ID (the edit modes).
// A form marked data-changed-only sends only what the user changed (inputs, the phone list, the opt-outs):
// two people, or two tabs, editing one customer then each change what they touched; sending every field
// put back, unseen, the fields another had saved since this page was loaded.
"use strict";

(() => {
  const { T, api, showError, clearErrors } = window.CtidCrm;

  function converted(input) {
    const text = input.tagName === "TEXTAREA" ? input.value : input.value.trim();
    switch (input.dataset.as) {
      case "int":
        return text === "" ? null : Number(text);
      case "id":
        return text === "" ? null : Number(text);
      case "nullable":
        return text === "" ? null : text;
      case "bool":
        return input.type === "checkbox" ? input.checked : text === "true";
      case "list":
        return text.split(/[,，、\s]+/).filter(Boolean);
      default:
        return text;
    }
  }

  function changed(input) {
    if (input.type === "hidden") return true;
    if (input.type === "checkbox" || input.type === "radio") return input.checked !== input.defaultChecked;
    if (input.tagName === "SELECT") {
      const initial = [...input.options].findIndex((option) => option.defaultSelected);
      return input.selectedIndex !== Math.max(initial, 0);
    }
    return input.value !== input.defaultValue;
  }

  function phonesOf(form) {
    return [...form.querySelectorAll(".phone-row")]
      .map((row) => ({
        number: row.querySelector("[name=phone_number]").value.trim(),
        label: row.querySelector("[name=phone_label]").value.trim(),
      }))
      .filter((phone) => phone.number);
  }

  // who owns, uses and drives a vehicle: [{customer_id, role}], one a row (crm_links.js adds rows)
  const linksOf = (form) => [...form.querySelectorAll(".link-row")].map((row) => ({
    customer_id: Number(row.dataset.customer), role: row.querySelector("[name=link_role]").value }));

  // what a data-changed-only form held when the page was loaded, to compare the lists against
  const loaded = new WeakMap();

  function body(form) {
    const result = {};
    const onlyChanged = form.hasAttribute("data-changed-only");
    for (const input of form.querySelectorAll("[name]")) {
      if (input.disabled || input.closest(".phone-row, .opt-out, .link-rows, .link-picker")) continue;
      if (onlyChanged && !changed(input)) continue;
      if (input.dataset.as === "checked-list") {
        result[input.name] = result[input.name] || [];
        if (input.checked) result[input.name].push(input.value);
        continue;
      }
      const value = converted(input);
      if (form.hasAttribute("data-omit-blank") && (value === "" || value === null)) continue;
      result[input.name] = value;
    }
    if (form.querySelector(".phone-row") || form.querySelector("#edit-phone-rows")) {
      const phones = phonesOf(form);
      if (!onlyChanged || JSON.stringify(phones) !== loaded.get(form).phones) result.phones = phones;
    }
    if (form.querySelector(".link-rows")) {
      const links = linksOf(form);
      if (!onlyChanged || JSON.stringify(links) !== loaded.get(form).links) result.customers = links;
    }
    return result;
  }

  function optOuts(form) {
    return [...form.querySelectorAll(".opt-out")]
      .filter((row) => row.querySelector("[name=contact_type]").checked)
      .map((row) => ({
        contact_type: row.querySelector("[name=contact_type]").value,
        reason: row.querySelector("[name=reason]").value.trim(),
      }));
  }

  const filled = (template, answer) => template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(answer[key]));

  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const status = form.querySelector(".form-status") || form;
    clearErrors(form);
    status.className = "form-status muted";
    status.textContent = T.saving;
    const buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const sent = body(form);
      const skip = form.hasAttribute("data-changed-only") && Object.keys(sent).length === 0;
      const answer = skip ? {} : await api(form.dataset.method, form.dataset.url, sent);
      const wanted = optOuts(form);
      const optOutsChanged = !loaded.has(form) || JSON.stringify(wanted) !== loaded.get(form).optOuts;
      if (form.dataset.optOuts && optOutsChanged) await api("PUT", form.dataset.optOuts, { opt_outs: wanted });
      const next = form.dataset.next || "reload";
      if (next === "reload") location.reload();
      else location.assign(filled(next, answer));
    } catch (error) {
      status.className = "form-status";
      status.textContent = "";
      showError(form, error, status);
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  function addPhoneRow(container) {
    const row = document.getElementById("phone-row").content.firstElementChild.cloneNode(true);
    row.querySelector(".remove").addEventListener("click", () => row.remove());
    container.append(row);
    return row;
  }

  document.querySelectorAll("form.api-form").forEach((form) => {
    if (form.hasAttribute("data-changed-only")) {
      const [phones, optOutList, links] = [phonesOf(form), optOuts(form), linksOf(form)].map((v) => JSON.stringify(v));
      loaded.set(form, { phones, optOuts: optOutList, links });
    }
    form.addEventListener("submit", submit);
  });
  document.querySelectorAll("[data-toggle]").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.toggle);
      target.hidden = !target.hidden;
      const partner = button.dataset.hides && document.getElementById(button.dataset.hides);
      if (partner) partner.hidden = !target.hidden;
      if (!target.hidden) {
        const first = target.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      }
    });
  });
  document.querySelectorAll("[data-add-phone]").forEach((button) => {
    button.addEventListener("click", () => addPhoneRow(document.getElementById(button.dataset.addPhone)));
  });
  document.querySelectorAll(".phone-row .remove").forEach((button) => {
    button.addEventListener("click", () => button.closest(".phone-row").remove());
  });
})();
