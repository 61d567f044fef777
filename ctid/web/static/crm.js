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
  let csrf = csrfNode ? csrfNode.dataset.csrf : "";

  const { el } = window.CtidDom;

  const label = (value) => (value in V ? V[value] : value);

  // After the session ended and the user logged in again (in another tab), this page's CSRF token is the
  // old session's: read the new one from a fresh copy of the page, so what was typed here can still be saved.
  async function renewCsrf() {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const node = page.querySelector("[data-csrf]");
    if (!response.ok || !node || node.dataset.csrf === csrf) return false;
    csrf = node.dataset.csrf;
    return true;
  }

  // JSON in and out; a FormData body goes as multipart. A refusal throws an Error with the API's message,
  // `field` (the input it names, if any), `status` and the whole answer as `body`.
  async function api(method, path, body, renewed = false) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, { method, credentials: "same-origin", headers, body: payload });
    const answer = await response.json().catch(() => ({}));
    const code = answer.error && answer.error.code;
    if (response.status === 403 && code === "csrf" && !renewed && (await renewCsrf())) {
      return api(method, path, body, true);
    }
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
  // A session that has ended offers a login in a new tab: this page keeps what was typed, to save after.
  function showError(scope, error, fallback) {
    const target = error.field && scope.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
    const where = target || fallback;
    if (target) target.classList.add("invalid");
    const login = `/login?next=${encodeURIComponent(location.pathname)}`;
    const relogin = error.status === 401 && [
      " ",
      el("a", { href: login, target: "_blank", rel: "noopener", class: "relogin" }, document.body.dataset.relogin),
    ];
    const message = el("span", { class: "field-error", role: "alert" }, error.message, relogin);
    where.append(message);
    return message;
  }

  function clearErrors(scope) {
    scope.querySelectorAll(".field-error").forEach((node) => node.remove());
    scope.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
  }

  return { T, V, el, label, api, showError, clearErrors };
})();
