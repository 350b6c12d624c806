// The playground card on /settings/apis: the API key field, the schema choice and the
// launch buttons; and the address that keeps the open playground (url_state.js).

import { checkKey } from "./key_check.js";
import { readKey, saveKey } from "./key_store.js";
import { closeModal, initModal, openChoice, openModal } from "./modal.js";
import { choiceFromUrl, enterPlayground, leavePlayground } from "./url_state.js";

// As many characters as the API keys table shows of each key.
const KEY_PREFIX_LENGTH = 10;

const form = document.querySelector("[data-playground-form]");
const dialog = document.querySelector("[data-playground-dialog]");
const keyInput = form.querySelector("[data-playground-key]");
const keyField = form.querySelector("[data-playground-key-field]");
const keyToggle = form.querySelector("[data-playground-key-toggle]");
const error = form.querySelector("[data-playground-error]");

function launchButton(api) {
  return form.querySelector(`[data-playground-launch="${api}"]`);
}

function showError(message) {
  error.textContent = message;
  keyField.classList.toggle("has-error", Boolean(message));
  if (message) keyInput.setAttribute("aria-invalid", "true");
  else keyInput.removeAttribute("aria-invalid");
}

function setBusy(api, busy) {
  form.toggleAttribute("aria-busy", busy);
  for (const button of form.querySelectorAll("[data-playground-launch]")) button.disabled = busy;
  launchButton(api).classList.toggle("is-loading", busy);
}

function selectSchema(schema) {
  const radio = form.querySelector(`input[name="schema"][value="${schema}"]`);
  if (radio) radio.checked = true;
}

// Check the key, then open. `record` adds the playground to the address; a launch that
// comes from the address itself (load, Back/Forward) leaves it alone.
let launching = false;

async function launch(choice, { record }) {
  if (launching) return; // one key check at a time: a double click or a quick Back waits for it
  const key = readKey();
  selectSchema(choice.schema);
  if (!key) {
    showError(`Paste an API key to open the ${choice.api === "rest" ? "REST" : "GraphQL"} playground.`);
    keyInput.focus();
    return;
  }
  launching = true;
  setBusy(choice.api, true);
  const result = await checkKey(key);
  setBusy(choice.api, false);
  launching = false;
  if (!result.ok) {
    showError(result.message);
    keyInput.focus();
    return;
  }
  showError("");
  if (record) enterPlayground(choice);
  openModal(choice, { opener: launchButton(choice.api), keyPrefix: key.slice(0, KEY_PREFIX_LENGTH) });
}

function requestClose() {
  if (!openChoice()) return; // a second Escape or click while it closes must not go Back twice
  // Going Back fires popstate, which closes the dialog (syncWithUrl).
  if (!leavePlayground()) closeModal();
}

function syncWithUrl() {
  const wanted = choiceFromUrl();
  const open = openChoice();
  if (open && (!wanted || wanted.api !== open.api || wanted.schema !== open.schema)) closeModal();
  if (wanted && !openChoice()) launch(wanted, { record: false });
}

keyInput.value = readKey();
keyInput.addEventListener("input", () => {
  saveKey(keyInput.value.trim());
  showError("");
});

keyToggle.addEventListener("click", () => {
  const show = keyInput.type === "password";
  keyInput.type = show ? "text" : "password";
  keyToggle.setAttribute("aria-pressed", String(show));
  keyToggle.setAttribute("aria-label", show ? "Hide key" : "Show key");
  keyToggle.title = keyToggle.getAttribute("aria-label");
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const api = event.submitter?.value === "rest" ? "rest" : "graphql";
  const schema = new FormData(form).get("schema") || "core";
  launch({ api, schema }, { record: true });
});

initModal(dialog, { requestClose });
window.addEventListener("popstate", syncWithUrl);
syncWithUrl();
