// The GraphQL playground (templates/settings/playground/graphql.html): GraphiQL with the
// explorer plugin, against /graphql (core) or /metadata. The key from the key store is
// written into GraphiQL's Headers tab as the Authorization header, so what a request
// sends is what the tab shows, ready to copy. React, ReactDOM, GraphiQL and the explorer
// are the vendored UMD builds the page loads before this module.

import { announceReady, closeOnEscape, hideNotice, noticeForStatus, noticeIfNoKey, readConfig, whenPresent } from "./frame.js";
import { bearer, readKey } from "./key_store.js";

const { React, ReactDOM, GraphiQL, GraphiQLPluginExplorer } = window;
const config = readConfig();
const key = readKey();
noticeIfNoKey(key);
closeOnEscape();

// The frame's policy allows no inline style but one with this response's nonce. GraphiQL's
// dialogs add a <style> element while open, and the helper adding it takes the nonce from
// this global (the name webpack uses for it).
window.__webpack_nonce__ = config.styleNonce;

function errorMessage(body) {
  return body?.errors?.[0]?.message || "";
}

// GraphiQL's own fetcher would send the session cookie, which the API ignores; this one
// leaves it out and sends exactly the headers of the Headers tab (GraphiQL hands them over
// in `options`), so taking the key out of the tab is seen as the API sees it.
async function fetcher(params, options = {}) {
  const response = await fetch(config.endpoint, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...(options.headers || {}) },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 300) || response.statusText}` }] };
  }
  if (response.status === 401 || response.status === 429) noticeForStatus(response.status, errorMessage(body));
  else hideNotice();
  return body;
}

// GraphiQL remembers tabs and queries in localStorage; one namespace per schema keeps a
// core query from reopening against the metadata schema. Headers are never persisted.
function storageFor(namespace) {
  const prefix = `crm.playground.${namespace}.`;
  const ownKeys = () => Object.keys(localStorage).filter((name) => name.startsWith(prefix));
  return {
    getItem: (name) => localStorage.getItem(prefix + name),
    setItem: (name, value) => localStorage.setItem(prefix + name, value),
    removeItem: (name) => localStorage.removeItem(prefix + name),
    clear: () => ownKeys().forEach((name) => localStorage.removeItem(name)),
    get length() {
      return ownKeys().length;
    },
  };
}

const explorer = GraphiQLPluginExplorer.explorerPlugin({ showAttribution: false });

// Every tab starts with it; headers are never stored (shouldPersistHeaders), so tabs that
// GraphiQL restores from storage get it again too.
const authorizationHeaders = key ? JSON.stringify(bearer(key), null, 2) : "";

ReactDOM.createRoot(document.querySelector("[data-playground-root]")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: config.starterQuery,
    plugins: [explorer],
    // The explorer starts closed, so the starter query has the room to be read; GraphiQL
    // remembers it open once the user opens it.
    storage: storageFor(config.schema),
    defaultHeaders: authorizationHeaders,
    shouldPersistHeaders: false,
    forcedTheme: "light",
    defaultEditorToolsVisibility: "headers",
  }),
);

whenPresent(".graphiql-query-editor .CodeMirror").then((editor) => {
  editor.CodeMirror?.focus();
  announceReady();
});
