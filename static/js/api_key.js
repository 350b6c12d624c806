// An API key's page (templates/settings/api_key.html), right after the key was created or
// regenerated: "Use in playground" keeps the key in this browser for the playground
// (playground/key_store.js), then goes to the APIs page, whose playground card has it.
//
// The link is shown only once it is listened to: clicked before this module ran, it
// would open the playground without the key.

import { saveKey } from "./playground/key_store.js";

const link = document.querySelector("[data-use-in-playground]");
if (link) {
  link.addEventListener("click", () => {
    const token = document.getElementById(link.dataset.useInPlayground)?.textContent.trim();
    if (token) saveKey(token);
  });
  link.closest("[data-playground-handover]").hidden = false;
}
