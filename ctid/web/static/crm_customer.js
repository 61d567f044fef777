// A customer's page: the add-visit form (POST /api/v1/visits, items from the catalogue or typed in) and
// closing a visit (POST /api/v1/visits/{id}/close). Both reload the page, which the server renders. An SMS
// sent from the page's dialog (sms_send.js) shows in its SMS card at once: the card as the server renders
// it now, without reloading the rest (a half-written note elsewhere stays).
"use strict";

(() => {
  const root = document.getElementById("customer-page");
  if (!root) return;
  const { T, api, showError, clearErrors } = window.CtidCrm;
  const customerId = Number(root.dataset.customer);
  const form = document.getElementById("visit-form");

  const value = (scope, name) => scope.querySelector(`[name="${name}"]`).value.trim();
  const cents = (text) => Math.round(Number(text || 0) * 100) || 0;

  function updateTotal() {
    let total = 0;
    for (const row of form.querySelectorAll(".item-row")) {
      total += cents(value(row, "price")) * (Number(value(row, "quantity")) || 1);
    }
    document.getElementById("visit-total").textContent = (total / 100).toFixed(2);
  }

  function addItem() {
    const row = document.getElementById("item-row").content.firstElementChild.cloneNode(true);
    const picker = row.querySelector("[name=catalogue_item_id]");
    picker.addEventListener("change", () => {
      const chosen = picker.selectedOptions[0];
      if (chosen && chosen.value) {
        row.querySelector("[name=item_name]").value = chosen.dataset.name;
        row.querySelector("[name=price]").value = chosen.dataset.price;
      }
      updateTotal();
    });
    row.addEventListener("input", updateTotal);
    row.querySelector(".remove").addEventListener("click", () => { row.remove(); updateTotal(); });
    document.getElementById("item-rows").append(row);
    return row;
  }

  function items() {
    return [...form.querySelectorAll(".item-row")]
      .filter((row) => value(row, "item_name") || value(row, "catalogue_item_id"))
      .map((row) => {
        const item = { name: value(row, "item_name"), quantity: Number(value(row, "quantity")) || 1 };
        const price = value(row, "price");
        if (price) item.price = price;
        const catalogued = value(row, "catalogue_item_id");
        if (catalogued) item.catalogue_item_id = Number(catalogued);
        return item;
      });
  }

  async function saveVisit(event) {
    event.preventDefault();
    clearErrors(form);
    const status = document.getElementById("visit-form-status");
    status.textContent = T.saving;
    const mileage = value(form, "mileage_km");
    try {
      await api("POST", "/api/v1/visits", {
        vehicle_id: Number(value(form, "vehicle_id")), customer_id: customerId,
        visited_on: value(form, "visited_on") || null, mileage_km: mileage === "" ? null : Number(mileage),
        advisor: value(form, "advisor"), notes: form.querySelector("[name=notes]").value, items: items(),
      });
      location.reload();
    } catch (error) {
      status.textContent = "";
      showError(form, error, status);
    }
  }

  async function closeVisit(button) {
    if (!window.confirm(T.confirm_close)) return;
    const status = document.getElementById("visits-status");
    button.disabled = true;
    try {
      await api("POST", `/api/v1/visits/${button.dataset.visit}/close`);
      location.reload();
    } catch (error) {
      button.disabled = false;
      status.className = "error";
      status.textContent = `${T.failed} ${error.message}`;
    }
  }

  async function refreshSms() {
    const card = document.getElementById("sms-history");
    if (!card) return;
    try {
      const copy = await window.CtidApi.page(location.href);
      const fresh = copy && copy.getElementById("sms-history");
      if (fresh) card.replaceWith(document.importNode(fresh, true));
    } catch (error) {
      // the SMS went; only its line here is late: the next visit to the page shows it
    }
  }

  document.addEventListener("ctid:sms-queued", refreshSms);
  document.querySelectorAll(".close-visit").forEach((button) => {
    button.addEventListener("click", () => closeVisit(button));
  });
  if (form) {
    document.getElementById("add-item").addEventListener("click", addItem);
    form.addEventListener("submit", saveVisit);
    addItem();
  }
})();
