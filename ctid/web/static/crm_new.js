// The new-customer form: creates the customer (POST /api/v1/customers), then each vehicle
// (POST /api/v1/vehicles with the customer's role), and opens the customer's page. An error goes next to
// the field the API names; if a vehicle is refused after the customer was saved, saving again updates that
// customer and adds only the vehicles not yet added. A phone another customer of the branch has is not
// saved at once: the form names and links that customer and saves when the user confirms they share it.
"use strict";

(() => {
  const form = document.getElementById("customer-form");
  if (!form) return;
  const { T, el, api, showError, clearErrors } = window.CtidCrm;
  const status = document.getElementById("form-status");
  let customerId = null;

  function addRow(templateId, containerId) {
    const row = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    row.querySelector(".remove").addEventListener("click", () => row.remove());
    document.getElementById(containerId).append(row);
    return row;
  }

  const value = (scope, name) => scope.querySelector(`[name="${name}"]`).value.trim();

  function customerBody() {
    const phones = [...form.querySelectorAll(".phone-row")]
      .map((row) => ({ number: value(row, "phone_number"), label: value(row, "phone_label") }))
      .filter((phone) => phone.number);
    return {
      name: value(form, "name"), kind: value(form, "kind"), phones,
      birthday: value(form, "birthday") || null, birthday_lunar: form.querySelector("[name=birthday_lunar]").checked,
      level: value(form, "level"), source: value(form, "source"),
      address: value(form, "address"), email: value(form, "email") || null, notes: form.querySelector("[name=notes]").value,
    };
  }

  function vehicleBody(row) {
    const vin = value(row, "vin");
    return {
      plate: value(row, "plate"), vin: vin || null, brand: value(row, "brand"), model: value(row, "model"),
      customers: [{ customer_id: customerId, role: value(row, "role") }],
    };
  }

  const isBlank = (row) => ["plate", "vin", "brand", "model"].every((name) => !value(row, name));

  async function saveVehicles() {
    for (const row of form.querySelectorAll(".vehicle-row")) {
      if (row.dataset.vehicle || isBlank(row)) continue;
      try {
        const vehicle = await api("POST", "/api/v1/vehicles", vehicleBody(row));
        row.dataset.vehicle = vehicle.id;
        row.querySelectorAll("input, select").forEach((input) => { input.disabled = true; });
      } catch (error) {
        showError(row, error, row.querySelector(".vehicle-status"));
        status.className = "error";
        status.textContent = T.saved_fix_vehicle;
        return false;
      }
    }
    return true;
  }

  // The customers who have one of the numbers, each a link (in a new tab: what was typed here stays), and
  // the user's yes, which saves again with confirm_shared_phone.
  function sharedPhone(error) {
    const holders = error.body.error.customers || [];
    const box = el("div", { class: "field-error shared-phone", role: "alert" },
      el("p", {}, error.message),
      el("ul", { class: "plain" }, holders.map((c) => el("li", {},
        el("a", { href: `/customers/${c.id}`, target: "_blank", rel: "noopener", class: "shared-phone-customer" }, c.name),
        " ", c.number))),
      el("button", { type: "button", class: "confirm-shared-phone", onclick: () => save(null, true) }, T.save_shared));
    const phones = form.querySelector('[data-field="phones"]');
    phones.classList.add("invalid");
    phones.append(box);
  }

  async function save(event, confirmed = false) {
    if (event) event.preventDefault();
    clearErrors(form);
    status.className = "muted";
    status.textContent = T.saving;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const body = customerBody();
      const customer = customerId
        ? await api("PATCH", `/api/v1/customers/${customerId}`, body)
        : await api("POST", "/api/v1/customers", { ...body, confirm_shared_phone: confirmed });
      customerId = customer.id;
      form.dataset.customer = customerId;
      if (await saveVehicles()) location.assign(`/customers/${customerId}`);
    } catch (error) {
      status.className = "";
      status.textContent = "";
      if (error.body && error.body.error && error.body.error.code === "phone_shared") sharedPhone(error);
      else showError(form, error, status);
    } finally {
      button.disabled = false;
    }
  }

  document.getElementById("add-phone").addEventListener("click", () => addRow("phone-row", "phone-rows"));
  document.getElementById("add-vehicle").addEventListener("click", () => addRow("vehicle-row", "vehicle-rows"));
  form.addEventListener("submit", save);
  addRow("phone-row", "phone-rows");
  addRow("vehicle-row", "vehicle-rows");
  form.querySelector("[name=name]").focus();
})();
