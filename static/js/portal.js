// Small behaviours of every page; no inline scripts, so a strict Content-Security-Policy holds.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.requestSubmit();
});
