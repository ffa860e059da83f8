// The inspection tablet. Every tap (OK / Defect / N/A) and every defect goes into a queue kept in
// localStorage under the inspection's id, then is sent; what could not be sent stays queued and is
// retried on reconnect, on a timer and on the next page load. The server is idempotent (a check is an
// upsert, a defect carries the client UUID made here), so a retry never makes a second row.
(() => {
  "use strict";

  const app = document.getElementById("inspection-app");
  if (!app) return;

  const inspectionId = app.dataset.inspection;
  const editable = app.dataset.editable === "1";
  const QUEUE_KEY = `crm.inspection.${inspectionId}.queue`;
  const RETRY_MS = 15000;
  const MAX_PHOTOS = 10;
  const MAX_PHOTO_SIDE = 1600; // px: a defect photo needs no more, and it keeps the queue small
  const MAX_PHOTO_CHARS = 1500000; // a data URL of ~1.1 MB; localStorage holds about 5 MB in all
  const text = readJson("inspection-text");
  const labels = readJson("inspection-labels");

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function readJson(id) {
    const node = document.getElementById(id);
    try {
      return node ? JSON.parse(node.textContent) : {};
    } catch (error) {
      return {};
    }
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, (match, name) => (name in values ? values[name] : match));
  }

  function uuid4() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context (https); fall back to getRandomValues, then Math.random.
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : app.dataset.csrf;
  }

  // --- the queue --------------------------------------------------------------------------------

  let queue = loadQueue();
  let storageFull = false;

  function loadQueue() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch (error) {
      return [];
    }
  }

  function persist() {
    try {
      if (queue.length) window.localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
      else window.localStorage.removeItem(QUEUE_KEY);
      storageFull = false;
    } catch (error) {
      // Over quota (or no storage): keep every entry, without the photos that do not fit; the
      // photos stay in this page's memory until they are sent.
      storageFull = true;
      const slim = queue.map((entry) => (entry.photos && entry.photos.length ? { ...entry, photos: [] } : entry));
      try {
        window.localStorage.setItem(QUEUE_KEY, JSON.stringify(slim));
      } catch (ignored) {
        /* nothing more can be kept */
      }
    }
  }

  function enqueue(entry) {
    if (entry.type === "check") {
      // A changed mind replaces an unsent tap on the same line; the last answer wins.
      queue = queue.filter((old) => !(old.type === "check" && old.item === entry.item && !old.sending));
    }
    queue.push(entry);
    persist();
    render();
    flush();
  }

  function removeEntry(id) {
    queue = queue.filter((entry) => entry.id !== id);
    persist();
  }

  const waiting = () => queue.filter((entry) => entry.state !== "failed");
  const failed = () => queue.filter((entry) => entry.state === "failed");

  // --- sending ----------------------------------------------------------------------------------

  let flushing = false;
  let offline = false;
  let signedOut = false;

  function dataUrlToBlob(dataUrl) {
    const [head, body] = dataUrl.split(",");
    const type = head.slice(5).split(";")[0];
    const bytes = window.atob(body);
    const array = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 1) array[i] = bytes.charCodeAt(i);
    return new Blob([array], { type });
  }

  function request(entry) {
    const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    if (entry.type === "check") {
      headers["Content-Type"] = "application/json";
      return { url: app.dataset.checkUrl, headers, body: JSON.stringify({ item: entry.item, result: entry.result }) };
    }
    const body = new FormData();
    body.append("client_uuid", entry.id);
    Object.entries(entry.fields).forEach(([name, value]) => {
      if (value !== null && value !== undefined && value !== "") body.append(name, value);
    });
    (entry.photos || []).forEach((photo) => body.append("photos", dataUrlToBlob(photo.data), photo.name));
    return { url: app.dataset.defectUrl, headers, body };
  }

  function errorText(errors, status) {
    if (!errors) return format(text.refused, { status });
    return Object.values(errors).flat().join(" ");
  }

  // "done", "failed" (the server refused it: retrying cannot help) or "retry" (try again later).
  async function send(entry) {
    const { url, headers, body } = request(entry);
    let response;
    try {
      response = await fetch(url, { method: "POST", headers, body, credentials: "same-origin" });
    } catch (error) {
      offline = true;
      return "retry";
    }
    offline = false;
    const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
    if (response.ok && isJson) {
      signedOut = false;
      const data = await response.json();
      removeEntry(entry.id);
      saved(entry, data);
      return "done";
    }
    if (!isJson && (response.ok || response.redirected || response.status === 403)) {
      // The login page, or a stale CSRF token after logging in again elsewhere: keep it, retry later.
      signedOut = true;
      return "retry";
    }
    const permanent = response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status);
    if (!permanent) return "retry";
    let errors = null;
    if (isJson) {
      try {
        errors = (await response.json()).errors;
      } catch (error) {
        errors = null;
      }
    }
    entry.state = "failed";
    entry.error = errorText(errors, response.status);
    persist();
    return "failed";
  }

  async function flush() {
    if (flushing || !editable) return;
    flushing = true;
    render();
    try {
      for (;;) {
        const entry = queue.find((candidate) => candidate.state !== "failed");
        if (!entry) break;
        entry.sending = true;
        const outcome = await send(entry);
        entry.sending = false;
        render();
        if (outcome === "retry") break;
      }
    } finally {
      flushing = false;
      render();
    }
  }

  // --- what the server said -------------------------------------------------------------------

  function lineOf(itemId) {
    return $(`.crm-check-line[data-item="${itemId}"]`, app);
  }

  function defectList(itemId) {
    return $(`[data-defects-for="${itemId || ""}"]`, app) || $('[data-defects-for=""]', app);
  }

  function saved(entry, data) {
    if (entry.type === "check") {
      const line = lineOf(data.item);
      if (line) line.dataset.result = data.result;
      return;
    }
    const list = defectList(data.checklist_item);
    const existing = $$(`[data-uuid="${entry.id}"]`, app);
    existing.forEach((node) => node.remove());
    list.appendChild(savedDefectNode(data));
  }

  function savedDefectNode(data) {
    const li = document.createElement("li");
    li.className = "crm-line-defect";
    li.setAttribute("data-testid", "defect-item");
    li.dataset.saved = "1";
    li.dataset.uuid = data.client_uuid || "";
    const number = document.createElement("span");
    number.className = "fw-semibold";
    number.textContent = data.number;
    const badge = document.createElement("span");
    badge.className = `badge crm-severity crm-severity-${data.severity}`;
    badge.textContent = data.severity_label;
    li.append(number, " ", badge, " ", data.description);
    if (data.location) {
      const where = document.createElement("span");
      where.className = "text-secondary";
      where.textContent = ` · ${data.location}`;
      li.append(where);
    }
    return li;
  }

  // --- drawing the page from server state + queue -----------------------------------------------

  function queuedDefectNode(entry) {
    const li = document.createElement("li");
    li.className = `crm-line-defect ${entry.state === "failed" ? "is-failed" : "is-pending"}`;
    li.setAttribute("data-testid", entry.state === "failed" ? "defect-failed" : "defect-pending");
    li.dataset.uuid = entry.id;
    li.dataset.queued = "1";
    const badge = document.createElement("span");
    badge.className = `badge ${entry.state === "failed" ? "text-bg-danger" : "text-bg-warning"}`;
    badge.textContent = entry.state === "failed" ? text.failedBadge : text.waitingBadge;
    const severity = document.createElement("span");
    severity.className = `badge crm-severity crm-severity-${entry.fields.severity}`;
    severity.textContent = (labels.severity || {})[entry.fields.severity] || entry.fields.severity;
    li.append(badge, " ", severity, " ", entry.fields.description);
    if (entry.photos && entry.photos.length) li.append(` · 📷 ${entry.photos.length}`);
    if (entry.state === "failed") {
      const reason = document.createElement("div");
      reason.className = "small text-danger";
      reason.textContent = entry.error || "";
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-sm btn-outline-danger ms-2";
      discard.textContent = text.discard;
      discard.setAttribute("data-testid", "discard-entry");
      discard.addEventListener("click", () => {
        if (window.confirm(text.confirmDiscard)) {
          removeEntry(entry.id);
          render();
        }
      });
      reason.append(discard);
      li.append(reason);
    }
    return li;
  }

  function effectiveResult(line) {
    const itemId = Number(line.dataset.item);
    const pending = queue.filter((entry) => entry.type === "check" && entry.item === itemId);
    return pending.length ? pending[pending.length - 1].result : line.dataset.result || "";
  }

  function render() {
    const lines = $$(".crm-check-line[data-item]", app);
    let answered = 0;
    lines.forEach((line) => {
      const result = effectiveResult(line);
      if (result) answered += 1;
      const itemId = Number(line.dataset.item);
      const pendingCheck = queue.some((entry) => entry.type === "check" && entry.item === itemId);
      const failedCheck = queue.some((entry) => entry.type === "check" && entry.item === itemId && entry.state === "failed");
      line.classList.toggle("is-answered", Boolean(result));
      line.classList.toggle("is-pending", pendingCheck && !failedCheck);
      line.classList.toggle("is-failed", failedCheck);
      $$("button[data-result]", line).forEach((button) => {
        const on = button.dataset.result === result;
        button.classList.toggle("active", on);
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
      const more = $("[data-add-defect]", line);
      if (more) more.classList.toggle("d-none", result !== "fail");
    });

    // Queued defects: drawn on every render from the queue, after the server-rendered saved ones.
    $$("[data-queued]", app).forEach((node) => node.remove());
    queue
      .filter((entry) => entry.type === "defect")
      .forEach((entry) => defectList(entry.fields.checklist_item).appendChild(queuedDefectNode(entry)));

    const total = lines.length;
    const done = $("#progress-done");
    if (done) done.textContent = answered;
    const fill = $("#progress-fill");
    if (fill) fill.style.width = `${total ? Math.round((answered * 100) / total) : 0}%`;
    const bar = $("#progress");
    if (bar) bar.setAttribute("aria-valuenow", answered);
    const defects = $("#defect-count");
    if (defects) defects.textContent = $$('[data-saved="1"]', app).length + queue.filter((e) => e.type === "defect").length;

    const waitingCount = waiting().length;
    const failedCount = failed().length;
    const status = $("#sync-status");
    if (status) {
      let message = text.allSaved;
      if (failedCount) message = format(text.failed, { count: failedCount });
      if (waitingCount) message = format(text.waiting, { count: waitingCount });
      status.textContent = message;
      status.dataset.pending = String(waitingCount);
      status.classList.toggle("is-waiting", waitingCount > 0);
      status.classList.toggle("is-failed", failedCount > 0 && !waitingCount);
    }
    const retry = $("#sync-retry");
    if (retry) retry.classList.toggle("d-none", !waitingCount || flushing);
    const warning = $("#sync-warning");
    if (warning) {
      const notes = [];
      if (waitingCount && offline) notes.push(text.offline);
      if (waitingCount && signedOut) notes.push(text.signedOut);
      if (storageFull) notes.push(text.storageFull);
      warning.textContent = notes.join(" ");
      warning.classList.toggle("d-none", !notes.length);
    }
    const complete = $("#complete-button");
    if (complete) {
      const blocked = waitingCount > 0 || failedCount > 0 || answered < total;
      complete.disabled = blocked;
      const hint = $("#complete-hint");
      if (hint) {
        if (!hint.dataset.original) hint.dataset.original = hint.textContent;
        hint.textContent =
          answered < total ? format(text.unanswered, { count: total - answered }) : hint.dataset.original;
      }
    }
  }

  // --- taps -------------------------------------------------------------------------------------

  app.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-result]");
    if (button && editable) {
      event.preventDefault();
      const line = button.closest(".crm-check-line");
      const result = button.dataset.result;
      if (effectiveResult(line) !== result) {
        enqueue({ id: uuid4(), type: "check", item: Number(line.dataset.item), result, at: Date.now() });
      }
      if (result === "fail") openDefectForm(line);
      return;
    }
    const add = event.target.closest("[data-add-defect]");
    if (add && editable) {
      event.preventDefault();
      openDefectForm(add.closest(".crm-check-line") || add);
    }
  });

  // --- the defect form --------------------------------------------------------------------------

  const form = $("#defect-form");
  const modalNode = $("#defect-modal");
  const plan = $("#defect-plan");
  const pin = $("#defect-pin");
  const previews = $("#defect-photo-previews");
  const formError = $("#defect-form-error");

  function modal() {
    return window.bootstrap && modalNode ? window.bootstrap.Modal.getOrCreateInstance(modalNode) : null;
  }

  function setPin(x, y) {
    form.elements.pin_x.value = x === null ? "" : x.toFixed(4);
    form.elements.pin_y.value = y === null ? "" : y.toFixed(4);
    if (!pin) return;
    pin.classList.toggle("d-none", x === null);
    if (x !== null) {
      pin.style.left = `${x * 100}%`;
      pin.style.top = `${y * 100}%`;
    }
  }

  function openDefectForm(source) {
    if (!form) return;
    form.reset();
    formError.classList.add("d-none");
    previews.replaceChildren();
    const line = source.classList.contains("crm-check-line") ? source : null;
    form.elements.checklist_item.value = line ? line.dataset.item : "";
    form.elements.room.value = source.dataset.room || "whole_unit";
    form.elements.trade.value = source.dataset.trade || "other";
    form.elements.severity.value = "normal";
    $("#defect-line-text").textContent = line ? line.dataset.text : "";
    setPin(null, null);
    const instance = modal();
    if (instance) {
      // Once the modal is shown: Bootstrap focuses the modal itself at the end of its fade, which
      // took the focus back from a fixed 300 ms timer whenever the fade ran late (a busy tablet).
      modalNode.addEventListener("shown.bs.modal", () => form.elements.description.focus(), { once: true });
      instance.show();
    } else {
      form.scrollIntoView();
      form.elements.description.focus();
    }
  }

  if (plan) {
    plan.addEventListener("click", (event) => {
      const image = $("img", plan);
      const box = image.getBoundingClientRect();
      if (!box.width || !box.height) return;
      const clamp = (value) => Math.min(1, Math.max(0, value));
      setPin(clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height));
    });
    $("#defect-pin-clear").addEventListener("click", () => setPin(null, null));
  }

  function readAsDataUrl(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = reject;
      image.src = src;
    });
  }

  // A photo as a data URL small enough to wait in localStorage: scaled down to MAX_PHOTO_SIDE as JPEG.
  async function photoEntry(file) {
    const original = await readAsDataUrl(file);
    let data = original;
    try {
      const image = await loadImage(original);
      const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
      if (scale < 1 || original.length > MAX_PHOTO_CHARS) {
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(image.naturalWidth * scale);
        canvas.height = Math.round(image.naturalHeight * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        for (const quality of [0.82, 0.7, 0.55]) {
          data = canvas.toDataURL("image/jpeg", quality);
          if (data.length <= MAX_PHOTO_CHARS) break;
        }
      }
    } catch (error) {
      /* a format this browser cannot draw (HEIC): keep the original */
    }
    if (data.length > MAX_PHOTO_CHARS) throw new Error(format(text.photoTooLarge, { name: file.name }));
    const type = data.slice(5, data.indexOf(";"));
    const base = file.name.replace(/\.[^.]+$/, "") || "photo";
    return { name: type === "image/jpeg" ? `${base}.jpg` : file.name, type, data };
  }

  function showFormError(message) {
    formError.textContent = message;
    formError.classList.remove("d-none");
  }

  if (form) {
    const photoInput = form.elements.photos;
    photoInput.addEventListener("change", () => {
      previews.replaceChildren();
      Array.from(photoInput.files).forEach((file) => {
        const image = document.createElement("img");
        image.alt = file.name;
        image.src = URL.createObjectURL(file);
        image.onload = () => URL.revokeObjectURL(image.src);
        previews.append(image);
      });
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const elements = form.elements;
      const description = elements.description.value.trim();
      if (!description || !elements.room.value || !elements.trade.value || !elements.severity.value) {
        showFormError(text.required);
        form.reportValidity();
        return;
      }
      const files = Array.from(photoInput.files || []);
      if (files.length > MAX_PHOTOS) {
        showFormError(text.tooManyPhotos);
        return;
      }
      const save = $("#defect-save");
      save.disabled = true;
      let photos;
      try {
        photos = await Promise.all(files.map(photoEntry));
      } catch (error) {
        save.disabled = false;
        showFormError(error.message);
        return;
      }
      save.disabled = false;
      enqueue({
        id: uuid4(),
        type: "defect",
        at: Date.now(),
        fields: {
          checklist_item: elements.checklist_item.value ? Number(elements.checklist_item.value) : "",
          room: elements.room.value,
          trade: elements.trade.value,
          severity: elements.severity.value,
          location: elements.location.value.trim(),
          description,
          contractor: elements.contractor.value,
          pin_x: elements.pin_x.value,
          pin_y: elements.pin_y.value,
        },
        photos,
      });
      const instance = modal();
      if (instance) instance.hide();
    });
  }

  const completeForm = $("#complete-form");
  if (completeForm) {
    completeForm.addEventListener("submit", (event) => {
      if (waiting().length || failed().length) {
        event.preventDefault();
        flush();
      }
    });
  }

  // --- keep trying ------------------------------------------------------------------------------

  const retry = $("#sync-retry");
  if (retry) retry.addEventListener("click", () => flush());
  window.addEventListener("online", () => flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  window.setInterval(() => {
    if (waiting().length) flush();
  }, RETRY_MS);

  // The sticky progress bar sits under the sticky navigation bar, whatever its height.
  const nav = document.querySelector(".crm-nav");
  if (nav) document.documentElement.style.setProperty("--crm-nav-height", `${nav.offsetHeight}px`);

  // Entries left by an earlier visit were never "sending": clear the flag, draw them, send them.
  queue.forEach((entry) => {
    entry.sending = false;
  });
  render();
  flush();
})();
