// The SMS page's bulk SMS: the customer list's filters as the search, a template or a text with its live
// preview, "check" (POST /api/v1/sms/bulk without send: how many get it, who is skipped and why), then
// "send to N" (the same with send: true). The words are the page's #sms-bulk-texts.
"use strict";

(() => {
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const form = document.querySelector("form.sms-bulk");
  if (!form) return;
  const T = JSON.parse(document.getElementById("sms-bulk-texts").textContent);
  const SEARCH = ["level", "tag", "source", "due", "within"];
  const result = form.querySelector(".sms-bulk-result");
  const sendButton = form.querySelector(".sms-bulk-send");
  const problem = form.querySelector(".form-error");
  let timer = null;

  function body(send) {
    const search = {};
    SEARCH.forEach((name) => { if (form[name].value.trim()) search[name] = form[name].value.trim(); });
    if (!search.due) delete search.within;
    const data = { search, send };
    if (form.template.value) data.template = form.template.value;
    else data.text = form.text.value;
    return data;
  }

  let previews = 0; // the last preview asked for: an older answer arriving late is dropped
  async function preview() {
    const out = form.querySelector(".sms-preview");
    const data = form.template.value ? { template: form.template.value } : { text: form.text.value };
    const asked = ++previews;
    if (!data.template && !data.text.trim()) { out.replaceChildren(); delete out.dataset.parts; return; }
    try {
      const found = await api("POST", "/api/v1/sms/preview", data);
      if (asked !== previews) return; // a newer preview is on its way: this one is stale
      const sms = JSON.parse(document.getElementById("sms-texts").textContent);
      out.replaceChildren(data.template ? el("span", { class: "sms-rendered" }, found.text) : "",
        data.template ? el("br") : "", sms.counted.replace("%(length)s", found.length)
          .replace("%(encoding)s", found.encoding === "ucs2" ? sms.ucs2 : sms.gsm7).replace("%(parts)s", found.parts));
      out.dataset.parts = found.parts;
    } catch (error) {
      if (asked !== previews) return;
      out.replaceChildren(error.message);
    }
  }

  function skippedList(skipped) {
    return el("ul", { class: "plain small sms-skipped" }, skipped.map((s) => el("li", {},
      el("a", { href: `/customers/${s.customer_id}` }, s.name), ` · ${T[s.reason] || s.reason}`,
      s.numbers.length ? ` (${s.numbers.map(([number, why]) => `${number} ${T[why] || why}`).join("，")})` : "")));
  }

  async function run(send) {
    problem.hidden = true;
    sendButton.disabled = true;
    try {
      const done = await api("POST", "/api/v1/sms/bulk", body(send));
      result.replaceChildren(
        el("p", { class: "sms-bulk-count" }, send ? T.queued.replace("%(count)s", done.queued)
          : T.recipients.replace("%(count)s", done.recipients)),
        done.capped ? el("p", { class: "error small" }, T.capped) : "",
        done.skipped.length ? el("p", { class: "small" }, T.skipped) : "", skippedList(done.skipped));
      sendButton.hidden = send || !done.recipients;
      sendButton.textContent = T.send_to.replace("%(count)s", done.recipients);
    } catch (error) {
      problem.hidden = false;
      problem.replaceChildren(error.message);
    } finally {
      sendButton.disabled = false;
    }
  }

  // "within N days" means something only with a due date chosen
  const within = () => { form.within.closest("label").hidden = !form.due.value; };
  form.due.addEventListener("change", within);
  within();
  form.addEventListener("input", () => {
    sendButton.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  });
  form.querySelector(".sms-bulk-check").addEventListener("click", () => run(false));
  sendButton.addEventListener("click", () => run(true));
})();
