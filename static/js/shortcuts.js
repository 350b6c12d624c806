// Keyboard shortcuts: the one place that listens for them.
//
// Key sequences are written as space-separated keys: "g c" is g then c (within a
// second), "?" is a single key. Shortcuts never fire while the user types in an input,
// textarea, select or contenteditable element, nor with Ctrl, Alt or Meta held.
//
// Scopes: a stack of names whose top decides which shortcuts are live. It starts as
// ["app"]; the app's own shortcuts (go to a page, open this help) only fire when the top
// is "app". A full-screen tool pushes its own scope while it is open, so nothing
// behind it reacts to the keyboard:
//
//   import { pushScope, popScope } from "/static/js/shortcuts.js";
//   pushScope("playground");   // when the playground opens
//   popScope("playground");    // when it closes (removes the topmost "playground")
//
// API (also on window.shortcuts for classic scripts):
//   pushScope(name)              put a scope on top of the stack
//   popScope(name)               remove the topmost scope with that name; "app" is never removed
//   currentScope()               name of the top scope
//   register(keys, {description, scope = "app", run})
//                                add a shortcut; returns a function that removes it
//   listShortcuts(scope = "app") [{keys, description}] for help screens
//   openHelp()                   show the dialog listing the shortcuts ("?")
//
// Keys pressed inside an iframe never reach this document: a tool shown in a frame (the
// API playground) handles its own keys (static/js/playground/frame.js).

const SEQUENCE_TIMEOUT_MS = 1000;

const scopeStack = ["app"];
const bindings = [];
let pending = []; // keys typed so far in an unfinished sequence
let pendingTimer = null;

export function pushScope(name) {
  if (typeof name !== "string" || !name) throw new TypeError("pushScope needs a scope name");
  scopeStack.push(name);
  resetSequence();
}

export function popScope(name) {
  const index = scopeStack.lastIndexOf(name);
  if (index <= 0) return; // not on the stack (or "app"): nothing changes, a sequence goes on
  scopeStack.splice(index, 1);
  resetSequence();
}

export function currentScope() {
  return scopeStack[scopeStack.length - 1];
}

export function register(keys, { description = "", scope = "app", run }) {
  const binding = { keys: keys.trim().split(/\s+/), description, scope, run };
  bindings.push(binding);
  return () => {
    const index = bindings.indexOf(binding);
    if (index >= 0) bindings.splice(index, 1);
  };
}

export function listShortcuts(scope = "app") {
  return bindings.filter((b) => b.scope === scope).map((b) => ({ keys: b.keys, description: b.description }));
}

function resetSequence() {
  pending = [];
  clearTimeout(pendingTimer);
}

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
}

function startsWith(keys, prefix) {
  return prefix.every((key, i) => keys[i] === key);
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event.target) || event.isComposing) return;
  if (event.key === "Shift" || event.key === "Control" || event.key === "Alt" || event.key === "Meta") return;
  // A dialog's close event comes a task after it has closed: a key pressed in between
  // already belongs to the page behind the help.
  if (helpDialog && !helpDialog.open && scopeStack.includes("help")) popScope("help");
  const scope = currentScope();
  // An open dialog (a confirmation, this help) owns the keyboard except for its own keys.
  if (scope === "app" && document.querySelector("dialog[open]")) return;

  const live = bindings.filter((b) => b.scope === scope);
  const typed = [...pending, event.key];
  let candidates = live.filter((b) => startsWith(b.keys, typed));
  if (!candidates.length && pending.length) {
    // The sequence broke off: this key may start a new one.
    resetSequence();
    return onKeyDown(event);
  }
  if (!candidates.length) return;

  const done = candidates.find((b) => b.keys.length === typed.length);
  if (done) {
    resetSequence();
    event.preventDefault();
    done.run(event);
    return;
  }
  pending = typed;
  clearTimeout(pendingTimer);
  pendingTimer = setTimeout(resetSequence, SEQUENCE_TIMEOUT_MS);
}

// ---- The app's shortcuts ---------------------------------------------------------

function go(path) {
  return () => window.location.assign(path);
}

const APP_SHORTCUTS = [
  ["g p", "Go to people", go("/objects/people/")],
  ["g c", "Go to companies", go("/objects/companies/")],
  ["g o", "Go to opportunities", go("/objects/opportunities/")],
  ["g t", "Go to tasks", go("/objects/tasks/")],
  ["g n", "Go to notes", go("/objects/notes/")],
  [
    "g s",
    "Go to settings",
    () => {
      // Only admins have settings; for others the menu has no link and there is nowhere to go.
      const link = document.querySelector('a[href="/settings/apis"]');
      if (link) window.location.assign(link.href);
    },
  ],
  ["?", "Show keyboard shortcuts", () => openHelp()],
];

for (const [keys, description, run] of APP_SHORTCUTS) register(keys, { description, run });

// ---- Help dialog -------------------------------------------------------------------

let helpDialog = null;

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function buildHelp() {
  const rows = listShortcuts("app").map(({ keys, description }) => {
    const combo = element("span", { class: "shortcut-keys" });
    keys.forEach((key, i) => {
      if (i) combo.append(element("span", { class: "shortcut-then" }, ["then"]));
      combo.append(element("kbd", { class: "kbd" }, [key]));
    });
    return element("li", { class: "shortcut-row" }, [element("span", {}, [description]), combo]);
  });
  const dialog = element("dialog", { class: "modal", id: "shortcuts-help", "aria-labelledby": "shortcuts-help-title" }, [
    element("div", { class: "modal-header" }, [
      element("h2", { class: "modal-title", id: "shortcuts-help-title" }, ["Keyboard shortcuts"]),
    ]),
    element("div", { class: "modal-body" }, [element("ul", { class: "shortcut-list" }, rows)]),
    element("div", { class: "modal-footer" }, [
      element("button", { type: "button", class: "btn btn-secondary", "data-dialog-close": "" }, ["Close"]),
    ]),
  ]);
  dialog.addEventListener("close", () => popScope("help"));
  document.body.append(dialog);
  return dialog;
}

export function openHelp() {
  helpDialog ??= buildHelp();
  if (helpDialog.open) return;
  pushScope("help");
  helpDialog.showModal();
}

document.addEventListener("keydown", onKeyDown);
window.shortcuts = { pushScope, popScope, currentScope, register, listShortcuts, openHelp };
