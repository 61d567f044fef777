// The recordings pages: a list row opens its player; on the player, the speed buttons, the waveform
// (click to seek, the played part shaded) and the position. The audio element does the streaming: it asks
// the server for the byte ranges it needs, so seeking far into a long call does not download the start.
"use strict";

(() => {
  for (const row of document.querySelectorAll("tr.recording-row[data-href]")) {
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, input, select")) return;
      window.location.assign(row.dataset.href);
    });
  }

  const player = document.getElementById("player");
  const audio = document.getElementById("audio");
  if (!player || !audio) return;
  const waveform = document.getElementById("waveform");
  const played = document.getElementById("waveform-played");
  const position = document.getElementById("position");
  const known = Number(player.dataset.duration) || 0;

  // The audio is not fetched until it is played (preload="none": opening the page is not a playback in
  // the access log), and a transcoded file may not say how long it is until read (Infinity / NaN): the
  // stored duration stands in until the element knows.
  const duration = () => (Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : known);

  const clock = (seconds) => {
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return `${h ? `${h}:` : ""}${mm}:${String(s).padStart(2, "0")}`;
  };

  function showPosition() {
    const total = duration();
    const fraction = total ? Math.min(1, audio.currentTime / total) : 0;
    if (played) played.style.width = `${(fraction * 100).toFixed(2)}%`;
    if (position) position.textContent = `${clock(audio.currentTime)} / ${clock(total)}`;
  }

  for (const button of document.querySelectorAll("#speeds [data-speed]")) {
    button.addEventListener("click", () => {
      audio.playbackRate = Number(button.dataset.speed);
      audio.defaultPlaybackRate = audio.playbackRate;
      document.querySelectorAll("#speeds [data-speed]").forEach((b) => b.classList.toggle("current", b === button));
    });
  }

  if (waveform) {
    waveform.addEventListener("click", (event) => {
      const box = waveform.getBoundingClientRect();
      const total = duration();
      if (!total || !box.width) return;
      const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      audio.currentTime = fraction * total;
      showPosition();
    });
  }

  for (const name of ["timeupdate", "seeked", "loadedmetadata", "durationchange"]) {
    audio.addEventListener(name, showPosition);
  }
  showPosition();
})();
