// The import job page: follow the job's progress, and reload once it has finished (the page then
// shows the report). Without this file the page offers a refresh link.
(() => {
  const box = document.querySelector("[data-import-status-url]");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector("[role=progressbar]");
  const label = box.querySelector("[data-import-status-label]");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.importStatusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const job = await response.json();
        if (!job.running) {
          window.location.reload();
          return;
        }
        bar.style.width = `${job.percent}%`;
        bar.textContent = `${job.percent}%`;
        meter.setAttribute("aria-valuenow", job.percent);
        label.textContent = job.status_label;
      }
    } catch (error) {
      // A dropped connection: the next poll tries again.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
