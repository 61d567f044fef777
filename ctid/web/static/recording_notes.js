// The player's note and tags are saved in place (PUT /api/v1/recordings/{id}/note and /tags, through
// api.js), not by posting the form: a post reloads the page, and the reload stopped the recording being
// listened to, which is exactly when a note gets written. The audio element is not touched. Without this
// script the forms still post and the page reloads, as before.
"use strict";

(() => {
  const player = document.getElementById("player");
  const notes = document.getElementById("notes");
  if (!player || !notes || !window.CtidApi) return;
  const path = `/api/v1/recordings/${player.dataset.recording}`;

  function showTags(tags) {
    const list = document.getElementById("tag-list");
    const links = tags.map((tag) => {
      const link = document.createElement("a");
      link.className = "tag";
      link.href = `/recordings?tag=${encodeURIComponent(tag)}`;
      link.textContent = tag;
      return link;
    });
    list.replaceChildren(...links);
    list.hidden = tags.length === 0;
  }

  // Sends the form's one field; on success shows what the server kept, on refusal its words beside the
  // button and the field marked (as the page marks it after a refused post).
  function saveInPlace(form, field, shown) {
    const status = form.querySelector("[role=status]");
    const button = form.querySelector("button[type=submit]");
    const input = form.elements[field];
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      input.removeAttribute("aria-invalid");
      status.className = "muted small";
      status.textContent = notes.dataset.saving;
      try {
        const answer = await window.CtidApi.api("PUT", `${path}/${field}`, { [field]: input.value });
        shown(answer.recording, input);
        status.textContent = notes.dataset.saved;
      } catch (error) {
        status.className = "error small";
        // the API names the field by its key ("tags 超过 24 个字符"); the page says its label, as a post did
        const ours = error.field === field;
        status.textContent = ours ? error.message.replace(field, input.dataset.label) : error.message;
        if (ours) input.setAttribute("aria-invalid", "true");
      } finally {
        button.disabled = false;
      }
    });
  }

  saveInPlace(document.getElementById("note-form"), "note", (recording, input) => {
    input.value = recording.note || "";
  });
  saveInPlace(document.getElementById("tags-form"), "tags", (recording, input) => {
    input.value = recording.tags.join(", ");
    showTags(recording.tags);
  });
})();
