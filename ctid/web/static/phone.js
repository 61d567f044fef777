// Phone numbers as people here write them (020-3888-6666, 138 0013 8000), not in E.164, for every script
// that shows one. The pages' own numbers come written so by the server (ctid.core.phone.written_locally,
// the Jinja filter `phone`); this is its twin for the numbers scripts render, for a site in China (the
// page's <body data-phone-region>): mobiles 3-4-4 with spaces, landlines and 400/800 numbers with dashes
// and the area code's 0. A number it does not know the shape of is shown as given.
"use strict";

window.CtidPhone = window.CtidPhone || (() => {
  const region = document.body.dataset.phoneRegion || "CN";

  function chinese(national) {
    if (/^1[3-9]\d{9}$/.test(national)) {
      return `${national.slice(0, 3)} ${national.slice(3, 7)} ${national.slice(7)}`;
    }
    if (/^[48]00\d{7}$/.test(national)) {
      return `${national.slice(0, 3)}-${national.slice(3, 6)}-${national.slice(6)}`;
    }
    const area = /^(10|2\d)/.test(national) ? 2 : 3; // Beijing and the 02x cities: two digits, else three
    const local = national.slice(area);
    if (!/^\d{7,8}$/.test(local)) return null;
    const split = local.length === 8 ? 4 : 3;
    return `0${national.slice(0, area)}-${local.slice(0, split)}-${local.slice(split)}`;
  }

  // A number given without its key (a search hit's phones are as given): a plain mobile, or a landline
  // with its area code's 0, is read as a Chinese number; anything else is shown as given.
  function national(raw) {
    const digits = /^[\d -]+$/.test(raw || "") ? raw.replace(/[ -]/g, "") : "";
    if (/^1[3-9]\d{9}$/.test(digits)) return digits;
    return /^0[1-9]\d{8,10}$/.test(digits) ? digits.slice(1) : null;
  }

  // `e164` is the number's key (or null), `raw` what was given: the key written locally when it can be.
  function shown(e164, raw) {
    const home = /^\+86(\d{7,12})$/.exec(e164 || "");
    const digits = home ? home[1] : !e164 && national(raw);
    return (region === "CN" && digits && chinese(digits)) || raw || e164 || "";
  }

  return { shown };
})();
