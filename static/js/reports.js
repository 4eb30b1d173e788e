// Work report pages: follow the reports being built by reading them from the API every
// 1.5 seconds until they are done or failed. Loaded as a file (no inline script, for the
// Content-Security-Policy); every text shown comes from the server already translated.
(function () {
  "use strict";

  var INTERVAL = 1500;
  var MAX_INTERVAL = 30000;
  var ENDED = { done: true, failed: true };

  function setLink(link, url) {
    if (!link) {
      return;
    }
    if (url) {
      link.href = url;
    }
    link.hidden = !url;
  }

  function render(row, report) {
    var status = row.querySelector("[data-role=status]");
    var progress = row.querySelector("[data-role=progress]");
    var error = row.querySelector("[data-role=error]");
    if (status) {
      status.textContent = report.status_label;
    }
    if (progress) {
      progress.value = report.progress;
      progress.textContent = report.progress + "%";
    }
    if (error) {
      error.textContent = report.error || "";
      error.hidden = !report.error;
    }
    setLink(row.querySelector("[data-role=pdf]"), report.pdf);
    setLink(row.querySelector("[data-role=docx]"), report.docx);
  }

  function watch(row) {
    var url = row.getAttribute("data-api-url");
    var wait = INTERVAL;

    function again() {
      window.setTimeout(read, wait);
    }

    function read() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (report) {
          render(row, report);
          wait = INTERVAL;
          if (!ENDED[report.status]) {
            again();
          } else if (row.hasAttribute("data-reload-when-done")) {
            // The page then shows the expiry, the error and the text form as the server has them.
            window.location.reload();
          }
        })
        .catch(function () {
          // The server restarting or the network gone: ask again, less and less often.
          wait = Math.min(wait * 2, MAX_INTERVAL);
          again();
        });
    }

    again();
  }

  document.querySelectorAll("[data-report][data-api-url]").forEach(watch);

  // The request form: an annual report has no period, so the period list is disabled for it
  // (the server ignores it too, for browsers without this script).
  var kind = document.getElementById("id_kind");
  var period = document.getElementById("id_period");
  if (kind && period) {
    var follow = function () {
      period.disabled = kind.value === "annual";
    };
    kind.addEventListener("change", follow);
    follow();
  }
})();
