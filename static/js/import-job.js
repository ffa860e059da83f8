// The background job pages (an Excel import's check and import, a big export): follow the job's
// progress and reload once it has finished (the page then shows the report or the download link).
// Without this file the page offers a refresh link. A form marked data-submit-once disables its
// buttons when sent, so that a slow upload is not sent twice.
(() => {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form[data-submit-once]") || event.defaultPrevented) return;
    // After this event: the clicked button's name and value still go with the form.
    window.setTimeout(() => {
      for (const button of form.querySelectorAll("button, input[type=submit]")) {
        button.disabled = true;
      }
      form.setAttribute("aria-busy", "true");
    });
  });

  const box = document.querySelector("[data-job-status-url]");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector("[role=progressbar]");
  const label = box.querySelector("[data-job-status-label]");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.jobStatusUrl, {
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
