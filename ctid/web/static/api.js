// Calling the JSON API, for every page's script: the session's CSRF token in a header, JSON in and out (a
// FormData body goes as multipart), a refusal thrown as an Error in the user's words.
//
// The token is the page's (<body data-csrf>). After the session ended and the user logged in again in
// another tab, it is the old session's: the first refusal for it ("csrf") reads the new one from a fresh
// copy of the page and sends again, once, so what was typed here can still be saved.
"use strict";

window.CtidApi = window.CtidApi || (() => {
  const words = document.body.dataset;
  let csrf = words.csrf || "";

  // A fresh copy of a page of ours as a document (null when it is not there or we were sent to log in):
  // for a part of the page to be redrawn from the server's rendering.
  async function page(path) {
    const response = await fetch(path, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return null;
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  async function renewCsrf() {
    const copy = await page(location.pathname); // logged out again: the login page's is no use
    const fresh = copy && copy.body && copy.body.dataset.csrf;
    if (!fresh || fresh === csrf) return false;
    csrf = fresh;
    return true;
  }

  // A refusal is an Error with the API's message (translated by the server), `code`, `field` (the input
  // it names, if any), `status`, `details` (the error object: what else the API said) and `body`.
  function refusal(response, answer) {
    const details = answer.error || {};
    const error = new Error(details.message || words.apiFailed.replace("%(status)s", response.status));
    Object.assign(error, { code: details.code, field: details.field, status: response.status, details, body: answer });
    return error;
  }

  async function send(method, path, body) {
    const headers = { Accept: "application/json", "X-CSRF-Token": csrf };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    try {
      return await fetch(path, { method, credentials: "same-origin", headers, body: payload });
    } catch (failure) {
      throw Object.assign(new Error(words.apiUnreachable), { status: 0, details: {}, body: {} });
    }
  }

  async function api(method, path, body, renewed = false) {
    const response = await send(method, path, body);
    const answer = await response.json().catch(() => ({}));
    const code = answer.error && answer.error.code;
    if (response.status === 403 && code === "csrf" && !renewed && (await renewCsrf())) {
      return api(method, path, body, true);
    }
    if (!response.ok) throw refusal(response, answer);
    return answer;
  }

  return { api, page };
})();
