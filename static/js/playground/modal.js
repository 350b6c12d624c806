// The full-screen dialog a playground opens in.
//
// Each playground is a same-origin page in an iframe (settings_ui/views/playground.py):
// React + GraphiQL and Scalar bring their own globals and global styles, the frame keeps
// them away from the app page, nothing loads until a playground is launched, and closing
// drops the frame with everything it loaded.
//
// The dialog is modal (<dialog>.showModal(): the page behind is inert), focus wraps
// between the close button and the frame, the page does not scroll behind it
// (playground.css), and while it is open the "playground" shortcut scope is on top, so
// no app shortcut fires. Escape closes it from anywhere: in this document through that
// scope, and inside the frame, whose keys never reach this document, through the frame's
// own request (frame.js closeOnEscape), which lets the tool's autocomplete or menus take
// an Escape first.

import { popScope, pushScope, register } from "../shortcuts.js";

const SCOPE = "playground";
const API_LABELS = { graphql: "GraphQL", rest: "REST" };
const SCHEMA_LABELS = { core: "Core", metadata: "Metadata" };
const ENDPOINTS = {
  graphql: { core: "POST /graphql", metadata: "POST /metadata" },
  rest: { core: "/rest", metadata: "/rest/metadata" },
};

let dialog = null;
let frame = null;
let returnFocusTo = null;
let onCloseRequest = () => {};

function part(name) {
  return dialog.querySelector(`[data-playground-${name}]`);
}

export function initModal(element, { requestClose }) {
  dialog = element;
  onCloseRequest = requestClose;
  part("close").addEventListener("click", () => onCloseRequest());
  // Escape is the playground scope's shortcut (registered below), which knows when not to
  // act; the dialog's built-in Escape would close it regardless.
  dialog.addEventListener("cancel", (event) => event.preventDefault());
  register("Escape", { scope: SCOPE, description: "Close the playground", run: () => onCloseRequest() });
  for (const wrap of dialog.querySelectorAll("[data-focus-wrap]")) {
    wrap.addEventListener("focus", () => {
      // Tabbing past either end comes back in at the other one.
      if (wrap.dataset.focusWrap === "start" && frame) frame.focus();
      else part("close").focus();
    });
  }
}

export function openChoice() {
  return dialog?.open ? { api: dialog.dataset.api, schema: dialog.dataset.schema } : null;
}

function frameUrl({ api, schema }) {
  const url = new URL(dialog.dataset[api === "rest" ? "frameRest" : "frameGraphql"], window.location.href);
  url.searchParams.set("schema", schema);
  return url.pathname + url.search;
}

function createFrame(choice, title) {
  const element = document.createElement("iframe");
  element.className = "playground-frame";
  element.title = `${title} playground`;
  element.src = frameUrl(choice);
  element.addEventListener("load", () => {
    // Null when the browser refused to show the page (an error page is not same-origin).
    const loaded = element.contentDocument;
    if (!loaded) {
      // Most likely the login page (the session ended), which refuses to be framed.
      dialog.dataset.state = "failed";
      return;
    }
    // Not a playground page (a server error): it will never report ready, so show it as it is.
    if (!loaded.querySelector("[data-playground-root]")) dialog.dataset.state = "ready";
  });
  element.addEventListener("playground-close", () => onCloseRequest());
  element.addEventListener("playground-ready", () => {
    dialog.dataset.state = "ready";
    // Move into the tool unless the user already went somewhere else in the dialog.
    if (document.activeElement === part("close") || document.activeElement === document.body) element.focus();
  });
  return element;
}

// `keyPrefix`: the start of the key in use, as the API keys table shows it.
export function openModal(choice, { opener, keyPrefix }) {
  if (dialog.open) closeModal({ restoreFocus: false });
  const title = `${API_LABELS[choice.api]} · ${SCHEMA_LABELS[choice.schema]}`;
  returnFocusTo = opener;
  dialog.dataset.api = choice.api;
  dialog.dataset.schema = choice.schema;
  dialog.dataset.state = "loading";
  part("title").textContent = title;
  part("endpoint").textContent = ENDPOINTS[choice.api][choice.schema];
  part("key-prefix").textContent = `${keyPrefix}…`;
  for (const icon of dialog.querySelectorAll("[data-api-mark]")) icon.hidden = icon.dataset.apiMark !== choice.api;
  frame = createFrame(choice, title);
  part("body").append(frame);
  pushScope(SCOPE);
  dialog.showModal();
  dialog.setAttribute("aria-modal", "true");
}

export function closeModal({ restoreFocus = true } = {}) {
  if (!dialog.open) return;
  frame?.remove();
  frame = null;
  dialog.close();
  dialog.removeAttribute("aria-modal");
  delete dialog.dataset.state;
  popScope(SCOPE);
  if (restoreFocus) returnFocusTo?.focus();
  returnFocusTo = null;
}
