// After a form comes back with errors, move focus to the error summary so that screen readers read it and
// keyboard users start from the list of what to fix.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
