// The print button of the QR sheet: shown only where a script can press it.
"use strict";

(function () {
  const button = document.getElementById("print-page");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => window.print());
})();
