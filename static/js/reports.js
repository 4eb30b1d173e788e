// Work report pages: the request form. The reports being built are followed by the document
// pipeline's script (static/js/documents.js). Loaded as a file (no inline script, for the
// Content-Security-Policy).
(function () {
  "use strict";

  // An annual report has no period, so the period list is disabled for it (the server ignores
  // it too, for browsers without this script).
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
