// Handover pages: the site screen's full-screen toggle, and copy buttons for owners' booking links.
document.addEventListener("click", (event) => {
  const fullscreen = event.target.closest("[data-fullscreen]");
  if (fullscreen) {
    if (document.fullscreenElement) {
      document.exitFullscreen?.();
    } else {
      document.documentElement.requestFullscreen?.();
    }
  }
  const copy = event.target.closest("[data-copy]");
  if (copy && navigator.clipboard) {
    navigator.clipboard.writeText(copy.dataset.copy).then(() => {
      copy.textContent = "✓";
    });
  }
});
