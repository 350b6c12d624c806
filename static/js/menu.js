// The left menu on narrow screens, where app.css folds it away: the top bar's Menu button
// (components/topbar.html) opens it over the page and closes it again; so do Escape, a
// click beside it, and following one of its links (a link to a section of the same page
// would otherwise leave the menu over it). On wider screens the menu is always there and
// the button hidden.

const button = document.querySelector("[data-menu-toggle]");
const menu = button && document.getElementById(button.getAttribute("aria-controls"));

function isOpen() {
  return button.getAttribute("aria-expanded") === "true";
}

function setOpen(open) {
  button.setAttribute("aria-expanded", String(open));
  menu.classList.toggle("is-open", open);
}

if (menu) {
  button.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !isOpen()) return;
    setOpen(false);
    button.focus();
  });
  document.addEventListener("click", (event) => {
    if (!isOpen() || button.contains(event.target)) return;
    if (!menu.contains(event.target) || event.target.closest("a")) setOpen(false);
  });
  // Widening the window past the fold (app.css, "narrow screens") leaves nothing open.
  window.matchMedia("(max-width: 860px)").addEventListener("change", () => setOpen(false));
}
