// Dialing out on one of the operator's lines, hanging up, and the status line under the dial form.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, fmt } = C;

  function say(text, isError) {
    const status = document.getElementById("dial-status");
    status.replaceChildren(text);
    status.className = `small ${isError ? "error" : "muted"}`;
    return status;
  }

  function dialLine(preferred) {
    const select = document.getElementById("dial-line");
    return preferred && C.lines.has(preferred) ? preferred : select.value;
  }

  // ``about`` (a contact type: the card's soonest due reminder's) makes the server refuse, in words, a
  // customer who said no to such calls, as the worklist's numbers do.
  async function dial(number, preferredLine, about) {
    const line = dialLine(preferredLine);
    if (!number || !line) return;
    const name = C.lineLabel(line);
    try {
      await api("POST", `/api/v1/lines/${encodeURIComponent(line)}/dial`, about ? { number, about } : { number });
      const status = say(fmt(T.dialing, { number: C.phone(number, number), line: name }));
      status.append(" ", el("button", { type: "button", class: "small danger", onclick: () => hangup(line) }, T.hang_up));
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    }
  }

  async function hangup(line) {
    try {
      await api("POST", `/api/v1/lines/${encodeURIComponent(line)}/hangup`);
      say("");
      C.loadMissed();
    } catch (error) {
      say(`${T.failed} ${error.message}`, true);
    }
  }

  const dialButton = (number, line, e164, about) => el("button", {
    type: "button", class: "link dial-number", title: T.dial, dataset: { about: about || "" },
    onclick: () => dial(e164 || number, line, about),
  }, C.phone(e164, number), " ☎");

  Object.assign(C, { say, dial, dialButton });
})();
