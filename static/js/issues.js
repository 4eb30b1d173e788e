// Issue pages: "select all" for bulk assign, and "use my position" on the report form.
// No inline scripts or handlers, so a strict Content-Security-Policy holds.
(function () {
  "use strict";

  document.querySelectorAll("input[data-select-all]").forEach((master) => {
    const name = master.dataset.selectAll;
    const boxes = () => Array.from(master.form
      ? master.form.querySelectorAll(`input[type=checkbox][name="${name}"]`)
      : document.querySelectorAll(`input[type=checkbox][name="${name}"]`));
    master.addEventListener("change", () => {
      boxes().forEach((box) => { box.checked = master.checked; });
    });
    document.addEventListener("change", (event) => {
      if (event.target.name !== name) return;
      const all = boxes();
      master.checked = all.length > 0 && all.every((box) => box.checked);
      master.indeterminate = !master.checked && all.some((box) => box.checked);
    });
  });

  document.querySelectorAll("[data-position-picker]").forEach((picker) => {
    const button = picker.querySelector("[data-use-location]");
    const status = picker.querySelector("[data-location-status]");
    const lat = picker.querySelector("input[name=lat]");
    const lon = picker.querySelector("input[name=lon]");
    if (!button || !lat || !lon || !("geolocation" in navigator)) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      status.textContent = button.dataset.locating || "";
      navigator.geolocation.getCurrentPosition(
        (position) => {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          status.textContent = button.dataset.located || "";
        },
        () => { status.textContent = button.dataset.failed || ""; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  });
})();
