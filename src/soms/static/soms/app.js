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
