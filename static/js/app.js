// Behaviour shared by every page, wired through data attributes so templates need no
// inline script:
//   data-dialog-open="ID"   opens <dialog id="ID"> as a modal
//   data-dialog-close       closes the enclosing <dialog>
//   data-copy="TEXT"        copies TEXT; data-copy-target="ID" copies that element's text
//   data-dismiss            removes the enclosing .message
// Page modules can import copyText() from here. Keyboard shortcuts live in shortcuts.js.

import "./shortcuts.js";

const COPIED_FOR_MS = 1600;

export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP hosts other than localhost have no clipboard API.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function showCopied(button) {
  const label = button.querySelector("[data-copy-label]");
  const original = label ? label.textContent : null;
  button.classList.add("is-copied");
  if (label) label.textContent = "Copied";
  clearTimeout(button._copiedTimer);
  button._copiedTimer = setTimeout(() => {
    button.classList.remove("is-copied");
    if (label) label.textContent = original;
  }, COPIED_FOR_MS);
}

document.addEventListener("click", async (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;

  const opener = target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialogOpen);
    if (dialog instanceof HTMLDialogElement) {
      event.preventDefault();
      dialog.showModal();
    }
    return;
  }

  const closer = target.closest("[data-dialog-close]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog")?.close();
    return;
  }

  // A click on the backdrop lands on the <dialog> element itself.
  if (target instanceof HTMLDialogElement && target.open) {
    const box = target.getBoundingClientRect();
    const inside =
      event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) target.close();
    return;
  }

  const copier = target.closest("[data-copy], [data-copy-target]");
  if (copier) {
    event.preventDefault();
    const source = copier.dataset.copyTarget ? document.getElementById(copier.dataset.copyTarget) : null;
    const text = source ? (source.value ?? source.textContent) : copier.dataset.copy;
    if (text == null) return;
    try {
      await copyText(text.trim());
      showCopied(copier);
    } catch (error) {
      console.error("Copy failed", error);
    }
    return;
  }

  const dismisser = target.closest("[data-dismiss]");
  if (dismisser) {
    dismisser.closest(".message")?.remove();
  }
});
