// Campaign work on the console: the campaigns this operator works, a preview's next card (held for them while
// shown), a campaign call placed for them (campaign.call: a progressive one as it rings out), its result.
"use strict";

(() => {
  const C = window.CtidConsole;
  const box = document.getElementById("campaign-desk");
  if (!C || !box) return;
  const { T, el, api, when, fmt } = C;
  const R = JSON.parse(document.getElementById("campaign-texts").textContent);
  let campaigns = [];
  let shown = null; // the card on the screen: { message, campaignId, attempt?, ended? }

  async function loadCampaigns() {
    try {
      const answer = await api("GET", "/api/v1/me/campaigns");
      campaigns = answer.items;
      renderChooser();
      if (answer.call && !(shown && shown.attempt && shown.attempt.id === answer.call.attempt.id)) showCall(answer.call);
      C.loadCallBacks();
    } catch (error) {
      C.say(`${T.failed} ${error.message}`, true);
    }
  }

  function chosen() {
    const select = box.querySelector("#campaign-choice");
    return campaigns.find((c) => String(c.id) === (select ? select.value : "")) || campaigns[0];
  }

  function renderChooser() {
    box.hidden = campaigns.length === 0 && !shown;
    const head = box.querySelector(".campaign-head");
    const previous = localStorage.getItem("ctid.campaign");
    const select = el("select", { id: "campaign-choice", "aria-label": R.campaign },
      campaigns.map((c) => el("option", { value: String(c.id), selected: String(c.id) === previous }, `${c.name} · ${R[c.mode] || c.mode}`)));
    select.addEventListener("change", () => { localStorage.setItem("ctid.campaign", select.value); renderHint(); });
    head.replaceChildren(el("h2", {}, R.campaigns), select,
      el("button", { type: "button", id: "campaign-next", class: "small primary", onclick: nextCard }, R.next));
    renderHint();
  }

  function renderHint() {
    const campaign = chosen();
    const next = box.querySelector("#campaign-next");
    if (next) next.hidden = !campaign || campaign.mode !== "preview" || Boolean(shown);
    if (!shown) {
      const hint = campaign && campaign.mode === "progressive" ? R.progressive_hint : (campaign ? R.preview_hint : "");
      box.querySelector(".campaign-body").replaceChildren(el("p", { class: "muted small" }, hint));
    }
  }

  async function nextCard() {
    const campaign = chosen();
    if (!campaign) return;
    try {
      const message = await api("POST", `/api/v1/me/campaigns/${campaign.id}/next`);
      if (message.type === "campaign.none") {
        const why = message.why ? R[message.why] || message.why : R.nobody_due;
        const at = message.next_at ? ` ${fmt(R.next_at, { at: when(message.next_at) })}` : "";
        box.querySelector(".campaign-body").replaceChildren(el("p", { class: "muted campaign-none" }, why, at));
        return;
      }
      shown = { message, campaignId: campaign.id };
      renderCard();
    } catch (error) { sayHere(error.message); }
  }

  function sayHere(text, ok = false) {
    const status = box.querySelector(".campaign-status");
    status.textContent = ok ? text : `${T.failed} ${text}`;
    status.className = `campaign-status small ${ok ? "ok-text" : "error"}`;
  }

  function showCall(message) {
    shown = { message, campaignId: message.campaign.id, attempt: message.attempt, ended: null };
    box.hidden = false;
    box.querySelector(":scope > .campaign-status").replaceChildren(); // the last call's word (and hang-up)
    renderCard();
    if (!campaigns.some((c) => c.id === message.campaign.id)) loadCampaigns(); // started since the last look
  }

  function renderCard() {
    const act = { dialCard, skipCard, releaseCard, hangUp, giveResult, done };
    box.querySelector(".campaign-body").replaceChildren(C.campaignCard(shown, act));
    renderHint();
  }

  const contactPath = (what) => `/api/v1/me/campaigns/${shown.campaignId}/contacts/${shown.message.contact.id}/${what}`;

  async function dialCard(line) {
    try {
      const placed = await api("POST", contactPath("dial"), { line });
      const attempt = { id: placed.attempt_id, line, line_label: C.lineLabel(line), call_id: placed.call_id };
      if (shown && !shown.attempt) showCall({ ...shown.message, attempt }); // unless its campaign.call came first
    } catch (error) {
      sayHere(error.message);
    }
  }

  async function skipCard(reason) {
    try {
      await api("POST", contactPath("skip"), { reason });
      shown = null;
      await nextCard();
    } catch (error) {
      sayHere(error.message);
    }
  }

  async function releaseCard() {
    await api("POST", contactPath("release")).catch(() => null); // a hold lapses by itself anyway
    done();
  }

  function hangUp(line = shown.attempt.line) {
    api("POST", `/api/v1/lines/${encodeURIComponent(line)}/hangup`).catch((error) => sayHere(error.message));
  }

  async function giveResult(result, note, callBackAt, forAnyone) {
    const body = { result, note };
    if (callBackAt) Object.assign(body, { call_back_at: callBackAt, for_anyone: forAnyone });
    try {
      await api("PUT", `/api/v1/attempts/${shown.attempt.id}/result`, body);
      const campaign = campaigns.find((c) => c.id === shown.campaignId);
      const { line } = shown.attempt; // given during the call, the line may still carry it
      const up = (C.lines.get(line) || { status: "up" }).status !== "up";
      done();
      sayHere(R.result_saved, true);
      if (up) box.querySelector(".campaign-status").append(" ", el("button", { type: "button", class: "small danger hang-up", onclick: () => hangUp(line) }, T.hang_up));
      C.loadCallBacks();
      if (campaign && campaign.mode === "preview") await nextCard();
    } catch (error) {
      sayHere(error.message);
    }
  }

  function done() {
    shown = null;
    box.querySelector(".campaign-body").replaceChildren();
    renderHint();
  }

  C.handlers = Object.assign(C.handlers || {}, {
    "campaign.call"(message) {
      const same = shown && shown.attempt && shown.attempt.id === message.attempt.id;
      if (same) shown.message = message;
      if (same) renderCard(); else showCall(message);
    },
    "campaign.attempt"(message) {
      if (!shown || !shown.attempt || shown.attempt.id !== message.attempt_id) return;
      shown.ended = message;
      renderCard();
      if (!message.awaiting) C.loadCallBacks();
    },
  });
  setInterval(() => { if (!shown) loadCampaigns(); }, 60000); // a campaign started since; call backs come due
  Object.assign(C, { loadCampaigns });
})();
