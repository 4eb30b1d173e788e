/*
 * The public report page. The form works without this script: it then reports at the sign's
 * position. With it, the citizen may use the phone's position instead, an oversized photo is
 * caught before a long upload, and the form cannot be sent twice by an impatient second tap.
 */
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("report-config").textContent);
  const strings = JSON.parse(document.getElementById("report-strings").textContent);
  const $ = (id) => document.getElementById(id);

  function t(key, values) {
    const text = strings[key] || key;
    if (!values) {
      return text;
    }
    return text.replace(/%\((\w+)\)s/g, (match, name) => (name in values ? String(values[name]) : match));
  }

  const form = $("report-form");
  const status = $("position-status");
  const locate = $("use-location");
  const lat = $("id_lat");
  const lon = $("id_lon");
  const photo = $("id_photo");
  const note = $("photo-note");
  const submit = $("report-submit");

  // Positions worse than this are a cell-tower guess; the sign's position is better.
  const MAX_ACCURACY_M = 200;

  if ("geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", () => {
      status.textContent = t("locating");
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          locate.disabled = false;
          const accuracy = Math.round(position.coords.accuracy);
          if (accuracy > MAX_ACCURACY_M) {
            status.textContent = t("locateFailed");
            return;
          }
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          status.textContent = t("located", { m: accuracy });
        },
        () => {
          locate.disabled = false;
          lat.value = "";
          lon.value = "";
          status.textContent = t("locateFailed");
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
  } else {
    status.textContent = t("noGeolocation");
  }

  photo.addEventListener("change", () => {
    const file = photo.files[0];
    if (!file) {
      return;
    }
    if (file.size > config.photoMaxBytes) {
      photo.value = "";
      note.textContent = t("photoTooLarge", { mb: config.photoMaxMb });
      note.classList.add("errors");
      return;
    }
    note.classList.remove("errors");
    note.textContent = t("photoChosen", { name: file.name });
  });

  form.addEventListener("submit", (event) => {
    if (form.dataset.sending === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    submit.disabled = true;
    submit.textContent = t("sending");
  });

  // Coming back with the browser's back button shows the page as it was left: sendable again.
  const submitLabel = submit.textContent;
  window.addEventListener("pageshow", () => {
    delete form.dataset.sending;
    submit.disabled = false;
    submit.textContent = submitLabel;
  });
})();
