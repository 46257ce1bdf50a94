// SOMS's only page script, served by the app itself (the Content-Security-Policy allows no inline
// or outside script). Every page works without it; it saves a click where a choice is the action.

// A <select data-submit-on-change> sends its form as soon as something is chosen: the organisation
// switcher needs no separate button. Without scripts the form's own button (in <noscript>) does it.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.matches("[data-submit-on-change]") && select.form) {
    select.form.requestSubmit();
  }
});

// A <form data-confirm="question"> asks before it is sent (deleting evidence, say). Inline handlers
// (onsubmit=…) are blocked by the Content-Security-Policy, so the question lives here. Without
// scripts the form is sent as it is; steps that cannot be undone also check a box on the server.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A <form data-submit-once> is sent once: a double click on "Add to plan" made the action twice.
// The second submit is dropped and the buttons are disabled once the form's data has been read
// (disabling them at once would leave a named submit button's value out). Coming back through
// the history (the page restored as it was left) enables them again. The form's one-time
// idempotency key makes the server add it once anyway (soms.tenancy.idempotency); this saves the
// round trip.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-submit-once]") || event.defaultPrevented) {
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  window.setTimeout(() => {
    for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
      button.disabled = true;
    }
  });
});
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submit-once][data-sent]")) {
    delete form.dataset.sent;
    for (const button of form.querySelectorAll("button[type=submit], input[type=submit]")) {
      button.disabled = false;
    }
  }
});
