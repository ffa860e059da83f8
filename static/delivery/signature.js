// The owner's signature, drawn with a finger or a stylus on a canvas (pointer events), exported as a
// PNG data URL into the form's hidden `signature_data` field when the form is sent.
(() => {
  "use strict";

  document.querySelectorAll("[data-signature-pad]").forEach((pad) => {
    const canvas = pad.querySelector("canvas");
    const field = document.getElementById(pad.dataset.field);
    const clear = pad.querySelector("[data-signature-clear]");
    const form = pad.closest("form");
    const missing = pad.querySelector("[data-signature-missing]");
    const context = canvas.getContext("2d");
    let drawing = false;
    let inked = false;
    let last = null;

    function paper() {
      // White, not transparent: the PNG prints and displays the same everywhere.
      context.save();
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.restore();
    }

    function size() {
      // Draw at the screen's pixel density so that the stroke is sharp on a tablet.
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const box = canvas.getBoundingClientRect();
      canvas.width = Math.round(box.width * ratio);
      canvas.height = Math.round(box.height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#111";
      paper();
      inked = false;
      pad.classList.remove("has-ink");
      if (field) field.value = "";
    }

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = "#111";
      context.fill();
      inked = true;
      pad.classList.add("has-ink");
      if (missing) missing.classList.add("d-none");
    });

    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [event];
      events.forEach((each) => {
        const next = point(each);
        context.beginPath();
        context.moveTo(last.x, last.y);
        context.lineTo(next.x, next.y);
        context.stroke();
        last = next;
      });
    });

    const stop = () => {
      drawing = false;
      last = null;
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    if (clear) clear.addEventListener("click", () => size());

    // A resize wipes the canvas; only resize while nothing is drawn, so a rotation keeps the ink.
    window.addEventListener("resize", () => {
      if (!inked) size();
    });

    if (form) {
      form.addEventListener("submit", (event) => {
        if (!inked) {
          const hasFile = form.querySelector('input[type="file"][name="signature"]');
          if (!(hasFile && hasFile.files && hasFile.files.length)) {
            event.preventDefault();
            if (missing) missing.classList.remove("d-none");
            canvas.scrollIntoView({ block: "center" });
            return;
          }
        }
        if (inked && field) field.value = canvas.toDataURL("image/png");
      });
    }

    size();
  });
})();
