// The operator console follows /ws and shows each call on the operator's lines as a pop card. Its parts are
// plain scripts loaded in order by console.html, each adding its functions to window.CtidConsole; this one,
// loaded first, holds what they all share: the page's words, formatting, building DOM and the API.
// A part calls another's functions through the namespace (C.dial), looked up when called, so the order of
// loading matters only for this file (first) and start.js (last). Plain DOM, no framework: every value from
// the server goes in through textContent, never as HTML.
"use strict";

(() => {
  const root = document.getElementById("console");
  if (!root) return;
  const T = JSON.parse(document.getElementById("console-texts").textContent);
  const V = JSON.parse(document.getElementById("console-values").textContent);
  const locale = root.dataset.locale === "zh_CN" ? "zh-CN" : "en";
  const clock = new Intl.DateTimeFormat(locale, {
    timeZone: root.dataset.timezone, month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  window.CtidConsole = {
    root,
    T,
    el: window.CtidDom.el,
    api: window.CtidApi.api,
    fmt: (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => params[key] ?? ""),
    label: (value) => (value in V ? V[value] : value),
    when: (iso) => (iso ? clock.format(new Date(iso)) : ""),
    day: (iso) => iso || "—",
    phone: (e164, raw) => window.CtidPhone.shown(e164, raw), // 020-3888-6666, not +862038886666
  };
})();
