// The playground's API key lives in this browser's localStorage only: every tab of the
// APIs page and the framed playground pages (same origin) find it there, a reload or a
// shared ?playground= link reopens the playground without pasting it again, and it is
// never sent to the server except as the Bearer header of API requests.
//
// It is filed under the workspace and the person logged in (the page's
// <meta name="api-key-scope">), so someone else logging in on this browser never gets it,
// and logging out forgets it (forgetKeys, called by login.js on the login page, where
// logging out lands).

const STORAGE_PREFIX = "crm.playground.apiKey";

function storageKey() {
  const scope = document.querySelector("meta[name='api-key-scope']")?.content;
  return scope ? `${STORAGE_PREFIX}:${scope}` : null;
}

export function readKey() {
  const name = storageKey();
  try {
    return (name && localStorage.getItem(name)) || "";
  } catch {
    return ""; // storage disabled: the key lives only in the field
  }
}

export function saveKey(key) {
  const name = storageKey();
  if (!name) return;
  try {
    if (key) localStorage.setItem(name, key);
    else localStorage.removeItem(name);
  } catch {
    // Storage disabled or full: the playground still works until the page reloads.
  }
}

// Every key kept by this browser, whoever it was kept for.
export function forgetKeys() {
  try {
    for (const name of Object.keys(localStorage)) {
      if (name.startsWith(STORAGE_PREFIX)) localStorage.removeItem(name);
    }
  } catch {
    // Storage disabled: nothing was kept.
  }
}

export function bearer(key) {
  return { Authorization: `Bearer ${key}` };
}
