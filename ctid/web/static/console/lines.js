// The operator's lines: their states as the socket reports them, the line picker (which lines this user
// follows) and the dial-on-line select.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, el, api, label } = C;
  const lines = new Map(); // line name -> {name, label, status}

  function renderLines() {
    const list = document.getElementById("lines");
    const select = document.getElementById("dial-line");
    const chosen = select.value || localStorage.getItem("ctid.dialLine") || "";
    list.replaceChildren();
    select.replaceChildren();
    if (!lines.size) list.append(el("li", { class: "muted" }, T.no_lines));
    for (const line of lines.values()) {
      const status = line.status.replace(/\s+/g, "-");
      list.append(el("li", { dataset: { line: line.name } },
        el("span", {}, line.label || line.name), " ",
        el("span", { class: `status status-${status}` }, label(line.status))));
      select.append(el("option", { value: line.name, selected: line.name === chosen }, line.label || line.name));
    }
    document.getElementById("line-picker").open = !lines.size;
  }

  async function loadLineChoices() {
    const box = document.getElementById("line-choices");
    const data = await api("GET", "/api/v1/me/lines");
    box.replaceChildren(...data.lines.map((line) => el("label", { class: "check" },
      el("input", { type: "checkbox", name: "line", value: line.name, checked: line.bound }),
      line.label || line.name)));
  }

  async function saveLineChoices(event) {
    event.preventDefault();
    const chosen = [...event.target.querySelectorAll("input[name=line]:checked")].map((box) => box.value);
    try {
      await api("PUT", "/api/v1/me/lines", { lines: chosen });
      C.say(T.lines_saved);
      C.reconnect();
    } catch (error) {
      C.say(`${T.failed} ${error.message}`, true);
    }
  }

  const lineLabel = (name) => (lines.get(name) || {}).label || name;

  Object.assign(C, { lines, renderLines, loadLineChoices, saveLineChoices, lineLabel });
})();
