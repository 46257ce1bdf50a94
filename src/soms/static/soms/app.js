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
