// Bulletin pages: follow the builds in progress by polling their status until they end.
// Loaded as a file (no inline script, for the Content-Security-Policy); every text shown comes
// from the server already translated, so this file holds no UI strings.
(function () {
  "use strict";

  var FIRST_DELAY = 1500;
  var MAX_DELAY = 30000;
  var TERMINAL = { done: true, failed: true };

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function update(container, state) {
    var status = container.querySelector("[data-role=status]");
    var progress = container.querySelector("[data-role=progress]");
    var error = container.querySelector("[data-role=error]");
    var pdf = container.querySelector("[data-role=pdf]");
    if (status) {
      status.textContent = state.status_label;
    }
    if (progress) {
      progress.value = state.progress;
      progress.textContent = state.progress + "%";
    }
    if (error) {
      error.textContent = state.error || "";
      show(error, Boolean(state.error));
    }
    if (pdf && state.pdf_url) {
      pdf.href = state.pdf_url;
    }
    show(pdf, Boolean(state.pdf_url));
  }

  function follow(container) {
    var url = container.getAttribute("data-status-url");
    var delay = FIRST_DELAY;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (state) {
          update(container, state);
          if (TERMINAL[state.status]) {
            if (state.status === "done" && container.hasAttribute("data-reload-when-done")) {
              // The detail page shows the bulletin itself, which only the server can render.
              window.location.reload();
            }
            return;
          }
          delay = FIRST_DELAY;
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          // A dropped connection or a restarting server: try again, less and less often.
          delay = Math.min(delay * 2, MAX_DELAY);
          window.setTimeout(poll, delay);
        });
    }

    window.setTimeout(poll, delay);
  }

  document.querySelectorAll("[data-bulletin][data-status-url]").forEach(follow);
})();
