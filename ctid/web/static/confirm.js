// A plain form that destroys something asks first: <form data-confirm="Revoke this token?">.
// The CSP allows no inline script (no onsubmit=""), so one listener on the document serves every page;
// it runs in the capture phase, before any page script could submit the form its own way.
"use strict";

document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
