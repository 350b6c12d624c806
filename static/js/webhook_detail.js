// The webhook endpoint page: send a test event and show the result in place, and reveal
// the signing secret. Markup comes from <template id="test-result-template">; this file
// only fills in text, so no HTML is built here. Without JavaScript the test form posts
// normally and the page reloads with a message.

const testForm = document.querySelector("form[data-test-event]");
const resultSlot = document.querySelector("[data-test-result]");
const resultTemplate = document.getElementById("test-result-template");

function setField(root, name, text) {
  const target = root.querySelector(`[data-field="${name}"]`);
  if (target) target.textContent = text;
}

function showResult(result) {
  const fragment = resultTemplate.content.cloneNode(true);
  const state = result.succeeded ? "succeeded" : "failed";
  for (const node of fragment.querySelectorAll("[data-when]")) {
    if (node.dataset.when !== state) node.remove();
  }
  setField(fragment, "summary", result.summary);
  setField(fragment, "statusCode", result.statusCode ?? "No response");
  setField(fragment, "duration", result.durationMs == null ? "—" : `${result.durationMs} ms`);
  if (result.responseBody) {
    setField(fragment, "responseBody", result.responseBody);
  } else {
    fragment.querySelector("[data-when-body]")?.remove();
  }
  const container = fragment.firstElementChild;
  container.dataset.state = state;
  resultSlot.replaceChildren(fragment);
}

function showError(message) {
  showResult({ succeeded: false, summary: message, statusCode: null, durationMs: null, responseBody: "" });
}

async function sendTest(event) {
  event.preventDefault();
  const button = testForm.querySelector('button[type="submit"]');
  const label = button.querySelector("span");
  const original = label.textContent;
  button.disabled = true;
  label.textContent = "Sending…";
  resultSlot.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(testForm.action, {
      method: "POST",
      body: new FormData(testForm),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      showError(`The test event could not be sent (HTTP ${response.status}). Reload the page and try again.`);
      return;
    }
    showResult(await response.json());
    await refreshDeliveryLog();
  } catch (error) {
    showError("The test event could not be sent: the server did not answer.");
  } finally {
    button.disabled = false;
    label.textContent = original;
    resultSlot.removeAttribute("aria-busy");
  }
}

// Swap in the delivery log as the server renders it now, so the test shows up in it.
async function refreshDeliveryLog() {
  const current = document.getElementById("deliveries");
  if (!current) return;
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("deliveries");
    if (fresh) current.replaceWith(document.importNode(fresh, true));
  } catch (error) {
    // The log is refreshed on the next page load anyway.
  }
}

if (testForm && resultSlot && resultTemplate) {
  testForm.addEventListener("submit", sendTest);
}

// Reveal / hide the signing secret. Copy works either way (it reads the hidden text).
for (const wrapper of document.querySelectorAll("[data-reveal]")) {
  const button = wrapper.querySelector("button");
  const secret = document.querySelector("[data-secret]");
  if (!button || !secret) continue;
  const mask = secret.querySelector("[data-secret-mask]");
  const value = secret.querySelector("[data-secret-value]");
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", () => {
    const revealing = value.hidden;
    value.hidden = !revealing;
    mask.hidden = revealing;
    button.setAttribute("aria-pressed", String(revealing));
    const label = button.querySelector("span");
    if (label) label.textContent = revealing ? "Hide" : "Reveal";
  });
}
