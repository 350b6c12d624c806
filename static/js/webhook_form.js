// The webhook form's event grid: "All events" turns the grid off (its value wins on the
// server too); a row's "All" box checks or clears that object's actions, and stays in
// step with them.

const form = document.querySelector("[data-webhook-form]");

if (form) {
  const allEvents = form.querySelector('input[name="all_events"]');
  const matrix = form.querySelector("[data-event-matrix]");

  allEvents?.addEventListener("change", () => {
    matrix.disabled = allEvents.checked;
  });

  for (const row of form.querySelectorAll("[data-event-row]")) {
    const rowAll = row.querySelector("[data-row-all]");
    const actions = [...row.querySelectorAll("[data-row-action]")];
    const sync = () => {
      rowAll.checked = actions.every((box) => box.checked);
    };
    rowAll.addEventListener("change", () => {
      for (const box of actions) box.checked = rowAll.checked;
    });
    for (const box of actions) box.addEventListener("change", sync);
    if (rowAll.checked) for (const box of actions) box.checked = true;
  }
}
