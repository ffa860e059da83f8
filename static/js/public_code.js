// The public form's "text me a code" button: post the phone alone and show the answer in place, so
// nothing typed (or chosen, like photos) is lost. Without this file the button posts the whole form.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("send-code");
  if (!button) return;
  const form = button.form;
  const status = document.getElementById("code-status");
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    const body = new FormData();
    body.append("phone", form.elements.phone.value);
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.codeUrl, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json();
      status.textContent = answer.message;
      status.className = "form-text " + (answer.sent ? "text-success" : "text-danger");
      if (answer.sent) form.elements.code.focus();
    } catch (error) {
      form.requestSubmit(button); // the server answers the whole form instead
    } finally {
      button.disabled = false;
    }
  });
});
