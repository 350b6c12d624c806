// The playground's API key lives in sessionStorage only: it survives a reload of this
// tab (so a shared ?playground= link reopens the playground) but not the tab itself, and
// it is never sent to the server except as the Bearer header of API requests. The framed
// playground pages are same-origin, so they read it from here too.

const STORAGE_KEY = "crm.playground.apiKey";

export function readKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) || "";
  } catch {
    return ""; // storage disabled: the key lives only in the field
  }
}

export function saveKey(key) {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled or full: the playground still works until the tab reloads.
  }
}

export function bearer(key) {
  return { Authorization: `Bearer ${key}` };
}
