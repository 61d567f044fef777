// The letters page: print the letters (the browser's print, one letter a page by the print styles) and,
// once they are in the post, close their reminder items as sent (POST /api/v1/reminders/letters/sent).
"use strict";

(() => {
  const actions = document.getElementById("letters-actions");
  if (!actions || !window.CtidApi) return;
  const status = document.getElementById("letters-status");
  const print = document.getElementById("print-letters");
  const sent = document.getElementById("letters-sent");
  if (print) print.addEventListener("click", () => window.print());
  if (!sent) return;
  sent.addEventListener("click", async () => {
    const items = JSON.parse(actions.dataset.items);
    sent.disabled = true;
    status.className = "status";
    try {
      const answer = await window.CtidApi.api("POST", "/api/v1/reminders/letters/sent", { items });
      status.textContent = actions.dataset.done.replace("%(count)s", String(answer.sent));
      for (const letter of document.querySelectorAll("article.letter")) letter.classList.add("posted");
    } catch (error) {
      status.className = "status error";
      status.textContent = error.message;
      sent.disabled = false;
    }
  });
})();
