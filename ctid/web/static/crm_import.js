// Importing customers: the file is checked first (POST /api/v1/imports/check, a dry run) and the report
// shown row by row; "Import" sends it again with the merge choice (POST /api/v1/imports), which imports
// everything or nothing (422 with the report). The report's "Columns" table lets the user say what each
// column holds: changing one checks the file again with that `mapping`, and the import sends it too.
"use strict";

(() => {
  const root = document.getElementById("import-page");
  if (!root) return;
  const { T, el, label, api } = window.CtidCrm;
  const form = document.getElementById("import-form");
  const status = document.getElementById("import-status");
  const runButton = document.getElementById("run-import");
  const fieldsNode = document.getElementById("import-fields");
  const fields = fieldsNode ? JSON.parse(fieldsNode.textContent) : [];
  let mapping = null; // {header: field or null} chosen in the report; null: the server's guess
  const fmt = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key] ?? ""));

  function say(text, kind) {
    status.className = kind || "";
    status.textContent = text;
  }

  function fileData(withMerge) {
    const file = form.elements.file.files[0];
    if (!file) return null;
    const body = new FormData();
    body.append("file", file);
    if (withMerge) body.append("merge", form.elements.merge.value);
    if (mapping) body.append("mapping", JSON.stringify(mapping));
    return body;
  }

  // "row 3: phone +8613800138001, same as row 2" or "..., already in the CRM" (with a link to the customer)
  function duplicate(d) {
    const item = el("li", {}, `${fmt(T.row, { row: d.row })}: ${label(d.key)} ${d.value}, `);
    if (d.same_as_row) item.append(fmt(T.same_as_row, { row: d.same_as_row }));
    else if (d.customer_id) item.append(el("a", { href: `/customers/${d.customer_id}` }, T.in_crm));
    else item.append(T.in_crm);
    return item;
  }

  // the select of a column's field: "(ignore)" or one of the importable fields, the current one chosen
  function fieldChoice(column, field) {
    const select = el("select", { class: "field-choice", "aria-label": column },
      el("option", { value: "" }, T.ignore),
      ...fields.map((f) => el("option", { value: f.name }, f.label)));
    select.value = field || "";
    select.addEventListener("change", remap);
    return select;
  }

  function remap() {
    mapping = {};
    for (const row of document.querySelectorAll("#report-mapping tbody tr")) {
      const value = row.querySelector("select").value;
      mapping[row.dataset.column] = value || null;
    }
    runCheck();
  }

  function showReport(report) {
    const box = document.getElementById("import-report");
    box.hidden = false;
    const bad = report.bad_rows ?? new Set(report.errors.map((error) => error.row)).size;
    document.getElementById("report-summary").textContent = fmt(T.summary, {
      format: String(report.format || "").toUpperCase(), rows: report.rows, ok: report.ok_rows, bad,
    });
    const table = document.getElementById("report-errors");
    table.hidden = !report.errors.length;
    table.tBodies[0].replaceChildren(...report.errors.map((error) => el("tr", { dataset: { row: error.row } },
      el("td", { class: "row-number" }, error.row),
      el("td", { class: "column" }, error.column || label(error.field || "")),
      el("td", { class: "value" }, error.value || "—"),
      el("td", { class: "reason" }, error.reason))));
    if (!report.rows) {
      // headers alone: "no errors, every row can be imported" of nothing read as if the file were fine
      document.getElementById("report-summary").append(" ", el("span", { class: "error", id: "no-rows" }, T.no_rows));
    } else if (!report.errors.length) {
      document.getElementById("report-summary").append(" ", el("span", { class: "ok-text" }, T.no_errors));
    }
    const duplicates = report.duplicates || [];
    document.getElementById("report-duplicates").replaceChildren(...(duplicates.length
      ? duplicates.map(duplicate)
      : [el("li", { class: "muted" }, "—")]));
    document.getElementById("report-mapping").tBodies[0].replaceChildren(...Object.entries(report.mapping || {})
      .map(([column, field]) => el("tr", { dataset: { column } },
        el("td", { class: "column" }, column),
        el("td", {}, fieldChoice(column, field)))));
    document.getElementById("report-ignored").textContent = (report.ignored || []).length
      ? `${T.ignored} ${(report.ignored || []).join(", ")}` : "";
    root.dataset.report = "shown";
  }

  async function check(event) {
    event.preventDefault();
    mapping = null; // a new check starts from the server's guess
    await runCheck();
  }

  async function runCheck() {
    const body = fileData(false);
    if (!body) { say(T.choose_file, "error"); return; }
    say(T.checking, "muted");
    runButton.disabled = true;
    try {
      const report = await api("POST", "/api/v1/imports/check", body);
      showReport(report);
      say("");
      runButton.disabled = report.ok_rows === 0;
    } catch (error) {
      say(`${T.failed} ${error.message}`, "error");
    }
  }

  async function run() {
    const body = fileData(true);
    if (!body) { say(T.choose_file, "error"); return; }
    say(T.importing, "muted");
    runButton.disabled = true;
    try {
      const result = await api("POST", "/api/v1/imports", body);
      say(fmt(T.imported, result), "ok");
      root.dataset.imported = "yes";
    } catch (error) {
      const report = error.body && (error.body.report || error.body);
      if (error.status === 422 && report && Array.isArray(report.errors)) {
        showReport(report);
        say(T.not_imported, "error");
      } else {
        say(`${T.failed} ${error.message}`, "error");
      }
      runButton.disabled = false;
    }
  }

  form.addEventListener("submit", check);
  form.elements.file.addEventListener("change", () => { runButton.disabled = true; mapping = null; });
  runButton.addEventListener("click", run);
})();
