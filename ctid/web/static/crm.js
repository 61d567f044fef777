// What the CRM pages' scripts share: building DOM from data (textContent only, never HTML), the page's
// words, calling the JSON API (api.js) and showing its errors beside the inputs they name.
"use strict";

window.CtidCrm = (() => {
  const data = (id) => {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  };
  const T = data("crm-texts");
  const V = data("crm-values");
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;

  const label = (value) => (value in V ? V[value] : value);

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
