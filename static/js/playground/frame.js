// What the framed playground pages (templates/settings/playground/) share: their
// configuration, a notice line above the tool, telling the dialog they are ready, and
// Escape leaving the playground.

export function readConfig() {
  return JSON.parse(document.getElementById("playground-config").textContent);
}

// A line above the tool, e.g. "401 Unauthorized · This API key has been revoked."
export function showNotice(title, text = "") {
  const notice = document.querySelector("[data-frame-notice]");
  notice.querySelector("[data-frame-notice-title]").textContent = title;
  notice.querySelector("[data-frame-notice-text]").textContent = text;
  notice.hidden = false;
}

export function hideNotice() {
  document.querySelector("[data-frame-notice]").hidden = true;
}

// Report an API answer the user should not miss: a bad key fails every request.
export function noticeForStatus(status, message) {
  if (status === 401) showNotice("401 Unauthorized", `${message || "Invalid API key."} Use a working key on the APIs page.`);
  else if (status === 429) showNotice("429 Too many requests", message || "Wait a minute and try again.");
}

// The frame opened on its own (a new tab) has no key to send.
export function noticeIfNoKey(key) {
  if (!key) showNotice("No API key.", "Open the playground from Settings → APIs and paste a key there.");
}

// Events the dialog around the frame listens to on the <iframe> element (modal.js).
function tellTheDialog(name) {
  const host = window.frameElement;
  if (host) host.dispatchEvent(new window.parent.CustomEvent(name));
}

// The dialog shows a loading state until the tool is drawn (modal.js).
export function announceReady(focusTarget) {
  focusTarget?.focus?.();
  tellTheDialog("playground-ready");
}

// What the tools open on top of themselves and close with Escape: an editor's
// autocomplete list, a menu, a select's options, a dialog of their own (GraphiQL's
// settings, Scalar's request window and search).
const CLOSED_BY_ESCAPE_FIRST = ".CodeMirror-hints, [role='dialog'], [role='menu'], [role='listbox']";

function somethingClosesFirst() {
  return [...document.querySelectorAll(CLOSED_BY_ESCAPE_FIRST)].some((element) => element.checkVisibility());
}

// Escape closes the playground from anywhere in the frame, an editor included: keys
// pressed here never reach the page around it. Whether the tool has something of its own
// open is read before the tool sees the key (the capture phase of the window comes first),
// so an Escape that closes an autocomplete list or a menu closes only that; the next one
// closes the playground. Editors cannot be asked instead: CodeMirror claims every Escape.
export function closeOnEscape() {
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Escape" || event.isComposing || somethingClosesFirst()) return;
      // After the tool has seen the key: closing removes this frame.
      setTimeout(() => tellTheDialog("playground-close"));
    },
    { capture: true },
  );
}

// Resolves with the first element matching `selector`, once the tool has drawn it.
export function whenPresent(selector, root = document.body) {
  return new Promise((resolve) => {
    const found = root.querySelector(selector);
    if (found) return resolve(found);
    const observer = new MutationObserver(() => {
      const element = root.querySelector(selector);
      if (element) {
        observer.disconnect();
        resolve(element);
      }
    });
    observer.observe(root, { childList: true, subtree: true });
  });
}
