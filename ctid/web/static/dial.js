// Every page's phone numbers dial through the shop's line, as the console's card does (a tel: link does
// nothing on a desk PC). A number marked <span data-dial="+86..."> becomes a button; a click dials it on
// the user's line (POST /api/v1/lines/{name}/dial), asking which one when they have several, and a panel
// at the foot of the page says so, with a hang-up button, or why it did not work (the server's words).
// The dialled customer's card pops on the user's console, if it is open. A number marked with what the
// call is about (data-dial-about="insurance": a reminder's) is refused when the customer said no to such
// calls, in the server's words. Loaded by base.html on every page, after the page's own scripts: it also
// marks numbers that scripts add later.
"use strict";

(() => {
  const texts = document.getElementById("dial-texts");
  if (!texts || !window.CtidApi) return;
  const T = JSON.parse(texts.textContent);
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const { shown } = window.CtidPhone;
  const REMEMBERED = "ctid.dialLine"; // the console's dial form remembers its line under the same key
  let lines = null; // the lines this user may dial on, asked once per page
  let panel = null;

  function mark(root) {
    const found = root.matches && root.matches("[data-dial]") ? [root] : [];
    for (const node of [...found, ...(root.querySelectorAll ? root.querySelectorAll("[data-dial]") : [])]) {
      if (!node.dataset.dial || node.dataset.dialReady) continue;
      Object.assign(node.dataset, { dialReady: "1" });
      node.classList.add("dial-number");
      node.setAttribute("role", "button");
      node.setAttribute("tabindex", "0");
      node.title = T.dial;
    }
  }

  async function myLines() {
    if (!lines) {
      const answer = await api("GET", "/api/v1/me/lines");
      const bound = answer.lines.filter((line) => line.bound);
      lines = bound.length ? bound : answer.lines; // a supervisor follows every line without binding one
    }
    return lines;
  }

  // The words with each value kept on one line: a number never breaks in two ("137 0000 / 0002").
  function said(template, values) {
    return template.split(/(%\(\w+\)s)/).map((part) => {
      const key = /^%\((\w+)\)s$/.exec(part);
      return key ? el("span", { class: "nowrap" }, values[key[1]]) : part;
    });
  }

  function show(...children) {
    if (!panel) {
      panel = el("div", { id: "dial-panel", class: "dial-panel card", role: "status" });
      document.body.append(panel);
    }
    panel.hidden = false;
    panel.replaceChildren(...children,
      el("button", { type: "button", class: "link close", title: T.close, onclick: () => { panel.hidden = true; } }, "×"));
  }

  async function start(number, about = "") {
    const written = shown(number, number);
    try {
      const choices = await myLines();
      if (!choices.length) return show(el("p", { class: "error" }, T.no_lines));
      if (choices.length === 1) return dialOn(choices[0], number, written, about);
      const remembered = localStorage.getItem(REMEMBERED);
      show(el("p", {}, said(T.which_line, { number: written })),
        el("div", { class: "row dial-lines" }, choices.map((line) => el("button", {
          type: "button", class: `small${line.name === remembered ? " primary" : ""}`, dataset: { line: line.name },
          onclick: () => dialOn(line, number, written, about),
        }, line.label))));
    } catch (error) {
      show(el("p", { class: "error" }, `${T.failed} ${error.message}`));
    }
  }

  async function dialOn(line, number, written, about) {
    localStorage.setItem(REMEMBERED, line.name);
    const path = `/api/v1/lines/${encodeURIComponent(line.name)}`;
    try {
      await api("POST", `${path}/dial`, about ? { number, about } : { number });
      show(el("p", {}, said(T.dialing, { number: written, line: line.label })),
        el("button", { type: "button", class: "small danger hang-up", onclick: () => hangUp(path) }, T.hang_up));
    } catch (error) {
      show(el("p", { class: "error" }, `${T.failed} ${error.message}`));
    }
  }

  async function hangUp(path) {
    try {
      await api("POST", `${path}/hangup`);
      panel.hidden = true;
    } catch (error) {
      show(el("p", { class: "error" }, `${T.failed} ${error.message}`));
    }
  }

  function dialed(event) {
    const node = event.target.closest && event.target.closest("[data-dial-ready]");
    if (!node || (event.type === "keydown" && event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    start(node.dataset.dial, node.dataset.dialAbout || "");
  }

  document.addEventListener("click", dialed);
  document.addEventListener("keydown", dialed);
  mark(document.body);
  new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach(mark)))
    .observe(document.body, { childList: true, subtree: true });
  window.CtidDial = { start };
})();
