// Attention while the tab is in the background: a sound for a new call and a desktop notification.
"use strict";

(() => {
  const C = window.CtidConsole;
  if (!C) return;
  const { T, root } = C;
  let audio = null;

  function notify(pop, isNew) {
    if (!document.hidden) return;
    if (isNew) beep();
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const who = pop.customer ? pop.customer.name : (pop.call.name || pop.call.number || T.private);
    const note = new Notification(`${T.new_call}: ${who}`, {
      body: `${pop.call.line_label || pop.call.line} · ${C.phone(pop.call.number_e164, pop.call.number)}`, tag: pop.call.id,
    });
    note.onclick = () => { window.focus(); note.close(); };
  }

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    const start = audio.currentTime;
    [[880, 0], [660, 0.22]].forEach(([frequency, offset]) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.2);
    });
    root.dataset.beeps = String(Number(root.dataset.beeps || 0) + 1);
  }

  function setUpNotifications() {
    const button = document.getElementById("notify-enable");
    const wanted = "Notification" in window && Notification.permission === "default";
    button.hidden = !wanted;
    button.addEventListener("click", async () => {
      await Notification.requestPermission();
      button.hidden = Notification.permission !== "default";
    });
    // Browsers only let a page play sound after the user has touched it: unlock on the first click.
    document.addEventListener("click", () => {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (Context && !audio) audio = new Context();
      if (audio && audio.state === "suspended") audio.resume();
    }, { once: true });
  }

  Object.assign(C, { notify, setUpNotifications });
})();
