// What the CRM pages' scripts share: building DOM from data (textContent only, never HTML), the page's
// words, and calling the JSON API with the session's CSRF token.
"use strict";

window.CtidCrm = (() => {
  const data = (id) => {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  };
  const T = data("crm-texts");
  const V = data("crm-values");
  const csrfNode = document.querySelector("[data-csrf]");
  const csrf = csrfNode ? csrfNode.dataset.csrf : "";

  const { el } = window.CtidDom;

  const label = (value) => (value in V ? V[value] : value);

  // JSON in and out; a FormData body goes as multipart. A refusal throws an Error with the API's message,
  // `field` (the input it names, if any), `status` and the whole answer as `body`.
  async function api(method, path, body) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, { method, credentials: "same-origin", headers, body: payload });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((answer.error && answer.error.message) || response.statusText);
      error.field = answer.error && answer.error.field;
      error.status = response.status;
      error.body = answer;
      throw error;
    }
    return answer;
  }

  // Show an API error next to the input it names (data-field on the wrapping label), else in `fallback`.
  function showError(scope, error, fallback) {
    const target = error.field && scope.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
    const where = target || fallback;
    if (target) target.classList.add("invalid");
    const message = el("span", { class: "field-error", role: "alert" }, error.message);
    where.append(message);
    return message;
  }

  function clearErrors(scope) {
    scope.querySelectorAll(".field-error").forEach((node) => node.remove());
    scope.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
  }

  return { T, V, el, label, api, showError, clearErrors };
})();
