// The call backs kept for this operator in the campaigns they work (a result "call back, for me"), the
// soonest first; one whose time has come is dialled on the operator's dial line with one click.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C || !document.getElementById("call-backs")) return;
  const { T, el, api, when } = C;
  const R = JSON.parse(document.getElementById("campaign-texts").textContent);

  async function loadCallBacks() {
    const list = document.getElementById("call-backs");
    if (!list) return;
    try {
      const answer = await api("GET", "/api/v1/me/callbacks");
      list.replaceChildren(...(answer.items.length ? answer.items.map((b) => el("li", { dataset: { contact: b.contact.id }, class: b.due ? "due" : "" },
        el("strong", {}, b.customer_name || ""), " ", C.phone(b.contact.number_e164, b.contact.number_e164 || ""), " · ",
        when(b.contact.next_try_at), " · ", b.campaign.name,
        b.due ? el("button", { type: "button", class: "small call-back-card", onclick: () => callBack(b) }, T.call_back) : null))
        : [el("li", { class: "muted small" }, R.no_call_backs)]));
    } catch (error) {
      list.replaceChildren(el("li", { class: "error small" }, `${T.failed} ${error.message}`));
    }
  }

  async function callBack(entry) {
    const line = document.getElementById("dial-line").value;
    try {
      await api("POST", `/api/v1/me/campaigns/${entry.campaign.id}/contacts/${entry.contact.id}/dial`, { line });
    } catch (error) {
      C.say(`${T.failed} ${error.message}`, true);
    }
  }

  Object.assign(C, { loadCallBacks });
})();
