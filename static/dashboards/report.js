// The printable report's Print button (no inline handlers: the CSP allows our static scripts only).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-report-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
