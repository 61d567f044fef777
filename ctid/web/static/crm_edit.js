// The CRM's edit forms, declared in the page: <form class="api-form" data-method data-url data-next> sends
// its inputs as JSON to the API and then reloads ("reload") or follows data-next, "{key}" taken from the
// answer ("/prospects/{id}"). How an input is sent is its data-as: int, id (number or null), nullable
// (blank is null), bool, list (split at commas and spaces), checked-list (the checked boxes of that name);
// else its text. Phone rows (.phone-row) become "phones"; opt-out rows (.opt-out) are PUT to
// data-opt-outs after the form's own request. An error goes next to the input the API names.
// [data-toggle=ID] buttons show and hide element ID (the edit modes).
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

  function body(form) {
    const result = {};
    for (const input of form.querySelectorAll("[name]")) {
      if (input.disabled || input.closest(".phone-row, .opt-out")) continue;
      if (input.dataset.as === "checked-list") {
        result[input.name] = result[input.name] || [];
        if (input.checked) result[input.name].push(input.value);
        continue;
      }
      const value = converted(input);
      if (form.hasAttribute("data-omit-blank") && (value === "" || value === null)) continue;
      result[input.name] = value;
    }
    const phones = form.querySelectorAll(".phone-row");
    if (phones.length || form.querySelector("#edit-phone-rows")) {
      result.phones = [...phones]
        .map((row) => ({
          number: row.querySelector("[name=phone_number]").value.trim(),
          label: row.querySelector("[name=phone_label]").value.trim(),
        }))
        .filter((phone) => phone.number);
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
      const answer = await api(form.dataset.method, form.dataset.url, body(form));
      if (form.dataset.optOuts) await api("PUT", form.dataset.optOuts, { opt_outs: optOuts(form) });
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

  document.querySelectorAll("form.api-form").forEach((form) => form.addEventListener("submit", submit));
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
