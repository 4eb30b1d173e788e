// Workbench behaviours: close an open menu on Escape or when clicking elsewhere, focus the error
// summary of a form that came back with errors, confirm nothing destructive without a page.
(() => {
  const menus = () => document.querySelectorAll(".topbar nav details[open]");
  document.addEventListener("click", (event) => {
    menus().forEach((menu) => {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((menu) => {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("toggle", (event) => {
    // Only one menu open at a time.
    const opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open) return;
    menus().forEach((menu) => {
      if (menu !== opened) menu.removeAttribute("open");
    });
  }, true);
  document.addEventListener("DOMContentLoaded", () => {
    const summary = document.querySelector(".form-errors");
    if (summary) summary.focus();
  });
})();
