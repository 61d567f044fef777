// The SMS templates page: under each template's text, a live preview of what a customer would read, its
// placeholders filled with samples (POST /api/v1/sms/preview with template_text), with its length,
// encoding and number of parts, so an admin sees a text grow into a second part while writing it.
// The words are the page's #sms-texts (those of the send-SMS dialog).
"use strict";

(() => {
  const page = document.getElementById("sms-templates-page");
  if (!page) return;
  const { el } = window.CtidDom;
  const { api } = window.CtidApi;
  const T = JSON.parse(document.getElementById("sms-texts").textContent);
  const timers = new WeakMap();

  const previews = new WeakMap(); // each form's last preview asked for: an older answer arriving late is dropped
  async function preview(form) {
    const out = form.querySelector(".sms-preview");
    const text = form.querySelector("textarea[name=text]").value;
    const asked = (previews.get(form) || 0) + 1;
    previews.set(form, asked);
    if (!text.trim()) { out.replaceChildren(); delete out.dataset.parts; return; }
    try {
      const found = await api("POST", "/api/v1/sms/preview", { template_text: text });
      if (asked !== previews.get(form)) return; // a newer preview is on its way: this one is stale
      out.classList.remove("error-text");
      out.replaceChildren(el("span", { class: "sms-rendered" }, found.text), el("br"),
        el("span", { class: "sms-count" }, T.counted.replace("%(length)s", found.length)
          .replace("%(encoding)s", found.encoding === "ucs2" ? T.ucs2 : T.gsm7).replace("%(parts)s", found.parts)));
      out.dataset.length = found.length;
      out.dataset.parts = found.parts;
    } catch (error) {
      if (asked !== previews.get(form)) return;
      out.classList.add("error-text");
      out.replaceChildren(error.message);
      delete out.dataset.parts;
    }
  }

  for (const form of page.querySelectorAll("form.template-edit, form.template-add")) {
    const text = form.querySelector("textarea[name=text]");
    text.addEventListener("input", () => {
      clearTimeout(timers.get(form));
      timers.set(form, setTimeout(() => preview(form), 250));
    });
    if (text.value.trim()) preview(form);
  }
})();
