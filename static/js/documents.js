// Document pages (bulletins, work reports and every other kind of core.documents): follow the
// documents being built by polling their status until they are done or failed. Every element
// marked data-document with a data-status-url is followed; its data-role=status, progress and
// error children are updated, and each data-file link (data-role names the file) gets the
// address the status gives for it (pdf_url, docx_url...) or is hidden. With
// data-reload-when-done the page reloads when the build ends: the server renders the result.
// Loaded as a file (no inline script, for the Content-Security-Policy); every text shown comes
// from the server already translated, so this file holds no UI strings.
(function () {
  "use strict";

  var FIRST_DELAY = 1500;
  var MAX_DELAY = 30000;
  var ENDED = { done: true, failed: true };

  function render(container, state) {
    var status = container.querySelector("[data-role=status]");
    var progress = container.querySelector("[data-role=progress]");
    var error = container.querySelector("[data-role=error]");
    if (status) {
      status.textContent = state.status_label;
    }
    if (progress) {
      progress.value = state.progress;
      progress.textContent = state.progress + "%";
    }
    if (error) {
      error.textContent = state.error || "";
      error.hidden = !state.error;
    }
    container.querySelectorAll("[data-file]").forEach(function (link) {
      var url = state[link.getAttribute("data-role") + "_url"];
      if (url) {
        link.href = url;
      }
      link.hidden = !url;
    });
  }

  function follow(container) {
    var url = container.getAttribute("data-status-url");
    var delay = FIRST_DELAY;

    function later() {
      window.setTimeout(poll, delay);
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (state) {
          render(container, state);
          delay = FIRST_DELAY;
          if (!ENDED[state.status]) {
            later();
          } else if (container.hasAttribute("data-reload-when-done")) {
            window.location.reload();
          }
        })
        .catch(function () {
          // A dropped connection or a restarting server: try again, less and less often.
          delay = Math.min(delay * 2, MAX_DELAY);
          later();
        });
    }

    later();
  }

  document.querySelectorAll("[data-document][data-status-url]").forEach(follow);
})();
