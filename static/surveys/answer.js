/* The survey form (the owner's page and the phone interview): skip logic as the answers change, and
   on the owner's page an autosave of the whole form after each answer. The server applies the same
   skip logic (surveys/questionnaire.py) and keeps the last word. No inline script: CSP. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function answerValues(form, code) {
    var values = [];
    var fields = form.querySelectorAll('[name="q-' + code + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) { continue; }
      if (field.type === "hidden" || field.value === "") { continue; }
      values.push(field.value);
    }
    return values;
  }

  // In document (position) order: a condition's question comes earlier, so one pass settles chains.
  function applySkipLogic(form) {
    var shown = {};
    var questions = form.querySelectorAll("[data-question]");
    for (var i = 0; i < questions.length; i++) {
      var question = questions[i];
      var code = question.getAttribute("data-question");
      var condition = question.getAttribute("data-show-if");
      var visible = true;
      if (condition) {
        var wanted = (question.getAttribute("data-show-values") || "").split("|");
        visible = !!shown[condition] && answerValues(form, condition).some(function (value) {
          return wanted.indexOf(value) !== -1;
        });
      }
      question.hidden = !visible;
      shown[code] = visible;
    }
  }

  function autosave(form) {
    var url = form.getAttribute("data-save-url");
    var status = form.querySelector("[data-save-status]");
    var pending = null;
    var timer = null;
    var inFlight = false;
    var submitting = false;

    function say(text) { if (status) { status.textContent = text; } }

    function showErrors(errors) {
      var marked = form.querySelectorAll(".sv-error[data-live]");
      for (var i = 0; i < marked.length; i++) { marked[i].parentNode.removeChild(marked[i]); }
      Object.keys(errors || {}).forEach(function (code) {
        var question = form.querySelector('[data-question="' + code + '"] fieldset');
        if (!question) { return; }
        var message = document.createElement("p");
        message.className = "sv-error";
        message.setAttribute("data-live", "");
        message.textContent = errors[code].join(" ");
        question.appendChild(message);
      });
    }

    function send() {
      if (submitting) { return; }
      if (inFlight) { pending = true; return; }
      inFlight = true;
      pending = false;
      say(form.getAttribute("data-saving-text"));
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
      }).then(function (result) {
        if (submitting) {
          return; // the form's own post has the last word (and the next page)
        } else if (result.ok) {
          showErrors({});
          say(form.getAttribute("data-saved-text"));
        } else if (result.status === 400) {
          showErrors(result.body.errors);
          say("");
        } else if (result.status === 409) {
          window.location.reload(); // answered elsewhere, expired or opted out: the page says which
        } else {
          say(result.body.message || form.getAttribute("data-failed-text"));
        }
      }).catch(function () {
        say(form.getAttribute("data-failed-text"));
      }).then(function () {
        inFlight = false;
        if (pending) { send(); }
      });
    }

    function later(delay) {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, delay);
    }

    form.addEventListener("submit", function () {
      submitting = true;
      window.clearTimeout(timer);
    });
    form.addEventListener("change", function () { later(150); });
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") { later(1200); }
    });
    // With autosave on, "save and finish later" is not needed: the answers are kept as they are given.
    var saveButton = form.querySelector("[data-save-button]");
    if (saveButton) { saveButton.hidden = true; }
  }

  ready(function () {
    var forms = document.querySelectorAll("[data-survey-form]");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      applySkipLogic(form);
      form.addEventListener("change", applySkipLogic.bind(null, form));
      if (form.getAttribute("data-save-url") && window.fetch && window.FormData) { autosave(form); }
    }
  });
})();
