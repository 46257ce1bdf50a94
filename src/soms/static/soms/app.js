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

// The assessment form saves each statement as it is chosen (htmx), from the revision the page holds;
// each answer brings the next revision back. Those saves queue behind each other (hx-sync on the
// statement blocks), and a form sent while one is still on its way waits for it: sent at once it
// carried the revision from before that save, and the person's own choice came back as a conflict
// ("changed by you since you opened it"), nothing saved. The saves on their way are counted by
// their requests (a block's htmx-request class is no guide: the block swapped in takes the old
// one's classes while it settles).
const statementSaves = new Set();
let waitingSubmit = null;
document.addEventListener("htmx:beforeSend", (event) => {
  if (!(event.target instanceof Element) || !event.target.matches("fieldset.statement-block")) {
    return;
  }
  const xhr = event.detail.xhr;
  statementSaves.add(xhr);
  // loadend comes after the answer is swapped in (the new revision with it) and after the next
  // queued save has been sent.
  xhr.addEventListener("loadend", () => {
    statementSaves.delete(xhr);
    if (statementSaves.size === 0 && waitingSubmit) {
      const [form, submitter] = waitingSubmit;
      waitingSubmit = null;
      window.setTimeout(() => form.requestSubmit(submitter));
    }
  });
});
// A statement changed again while its own save is on its way (a comment typed, then its answer
// picked at once): the answer to the first save replaces the block with what the server stored,
// and the second change, queued behind it on the block now gone, was never sent: the choice was
// lost. The block marks such a change; when the answer has settled, what the person had in the
// block then is carried into the block swapped in and saved again (from the new revision).
const carried = new Map();
document.addEventListener("change", (event) => {
  const block = event.target instanceof Element && event.target.closest("fieldset.statement-block");
  if (block && block.dataset.saving) {
    block.dataset.changedSince = "1";
  }
}, true);
document.addEventListener("htmx:beforeSend", (event) => {
  if (event.target instanceof Element && event.target.matches("fieldset.statement-block")) {
    event.target.dataset.saving = "1";
    delete event.target.dataset.changedSince;
  }
});
document.addEventListener("htmx:beforeSwap", (event) => {
  const block = event.detail.target;
  if (!(block instanceof Element) || !block.matches("fieldset.statement-block") || !block.dataset.changedSince) {
    return;
  }
  const values = {};
  for (const input of block.querySelectorAll("input[type=radio]:checked, textarea")) {
    values[input.name] = input.value;
  }
  carried.set(block.id, values);
});
document.addEventListener("htmx:afterSettle", () => {
  for (const [id, values] of carried) {
    carried.delete(id);
    const block = document.getElementById(id);
    if (!block) {
      continue;
    }
    let differs = false;
    for (const [name, value] of Object.entries(values)) {
      const radio = block.querySelector(`input[type=radio][name="${name}"][value="${value}"]`);
      const text = block.querySelector(`textarea[name="${name}"]`);
      if (radio && !radio.checked) {
        radio.checked = true;
        differs = true;
      } else if (text && text.value !== value) {
        text.value = value;
        differs = true;
      }
    }
    // After a conflict the block shows what is stored beside the person's own: theirs stays in the
    // fields, and is not sent over the other writer's change unseen.
    if (differs && !block.classList.contains("has-conflict")) {
      htmx.trigger(block, "change");
    }
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented || statementSaves.size === 0) {
    return;
  }
  event.preventDefault();
  const submitter = event.submitter && event.submitter.form === form ? event.submitter : undefined;
  waitingSubmit = [form, submitter];
}, true); // capture: before the listeners above, so that a form sent once is not marked sent yet
