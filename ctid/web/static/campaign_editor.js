// The campaign editor: the form as the API's JSON (POST /api/v1/campaigns for a new one, PATCH
// /api/v1/campaigns/{id} for a change), the server's refusal shown in its words beside the form, then the
// campaign's live page. The settings go whole, as the API takes them; the source's fields show for the
// kind chosen.
"use strict";

(() => {
  const form = document.getElementById("campaign-form");
  if (!form || !window.CtidApi) return;
  const T = JSON.parse(document.getElementById("campaign-texts").textContent);
  const { api } = window.CtidApi;
  const status = document.getElementById("campaign-status");

  const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
  const ticked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
  const number = (text) => (/^-?\d+$/.test(text) ? Number(text) : text); // the server names a bad one
  const list = (text) => text.split(/[,，\s]+/).filter(Boolean);

  function windows(text) {
    return list(text).map((pair) => pair.split(/[-–~]/).map((t) => t.trim()));
  }

  function source() {
    const kind = (form.querySelector('input[name="source_kind"]:checked') || {}).value || "reminders";
    if (kind === "search") {
      const search = {};
      for (const key of ["level", "source", "tag", "kind", "due", "within", "visited_after", "visited_before"]) {
        const given = value(`search_${key}`);
        if (given) search[key] = key === "within" ? number(given) : given;
      }
      return { kind, search };
    }
    return { kind, types: ticked("types"), from: value("from") || null, to: value("to") || null,
      assignee: value("assignee") };
  }

  function settings() {
    const retry = {};
    form.querySelectorAll("[data-result]").forEach((input) => {
      if (input.value.trim()) retry[input.dataset.result] = number(input.value.trim());
    });
    return {
      lines: ticked("lines"),
      operators: ticked("operators").map(Number),
      hours: { weekdays: ticked("weekdays").map(Number), windows: windows(value("windows")),
        statutory: form.elements.statutory.checked, days_off: list(value("days_off")) },
      max_attempts: number(value("max_attempts")),
      retry_minutes: retry,
      contacted_window_days: number(value("contacted_window_days") || "0"),
      source: source(),
      prompt: { text: value("prompt_text") },
    };
  }

  function showSource() {
    const kind = (form.querySelector('input[name="source_kind"]:checked') || {}).value;
    form.querySelectorAll("[data-source]").forEach((part) => { part.hidden = part.dataset.source !== kind; });
  }

  form.addEventListener("change", showSource);
  showSource();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = form.dataset.id;
    const body = { name: value("name"), mode: value("mode"), priority: number(value("priority") || "0"),
      settings: settings() };
    const button = document.getElementById("save-campaign");
    button.disabled = true;
    try {
      const saved = await api(id ? "PATCH" : "POST", id ? `/api/v1/campaigns/${id}` : "/api/v1/campaigns", body);
      status.textContent = T.saved;
      status.className = "small ok";
      location.assign(`/campaigns/${saved.id}`);
    } catch (error) {
      status.textContent = `${T.failed} ${error.message}`;
      status.className = "small error";
      status.setAttribute("role", "alert");
    } finally {
      button.disabled = false;
    }
  });
})();
