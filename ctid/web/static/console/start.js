// Loaded last: the console's forms get their listeners, and the console connects.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T } = C;

  document.getElementById("line-form").addEventListener("submit", C.saveLineChoices);
  document.getElementById("line-picker").addEventListener("toggle", (event) => {
    if (event.target.open) C.loadLineChoices().catch((error) => C.say(`${T.failed} ${error.message}`, true));
  });
  document.getElementById("dial-line").addEventListener("change", (event) => {
    localStorage.setItem("ctid.dialLine", event.target.value);
  });
  document.getElementById("dial-form").addEventListener("submit", (event) => {
    event.preventDefault();
    C.dial(document.getElementById("dial-number").value.trim());
  });
  C.setUpNotifications();
  C.renderMissed();
  C.connect();
})();
