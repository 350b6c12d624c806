// The REST playground (templates/settings/playground/rest.html): Scalar's API reference
// of this workspace's OpenAPI document, with "try it" sending real requests here and
// the key from the key store pre-filled as the bearer token.
//
// Scalar is told to stay offline: no default web fonts, no "Ask AI" agent, no developer
// toolbar, no telemetry, no proxyUrl, so every request goes straight to this server, and
// no "Open API Client" button, which would leave for Scalar's hosted client. The dialog
// around the frame is the one way out: Scalar's own close button on its request window
// and its "Powered by Scalar" line are hidden by playground.css.

import { clientSnippets } from "./client_snippets.js";
import { announceReady, closeOnEscape, noticeForStatus, noticeIfNoKey, readConfig, showNotice } from "./frame.js";
import { bearer, readKey } from "./key_store.js";

const config = readConfig();
const key = readKey();
noticeIfNoKey(key);
closeOnEscape();

// Scalar pushes a history entry per sidebar click. In this frame those entries would sit
// between the APIs page and its open playground, so Back would walk the reference instead
// of closing the playground; replacing the frame's entry keeps Back meaning "close".
window.history.pushState = window.history.replaceState.bind(window.history);

// The document is fetched here, with the key as a header, rather than given to Scalar as a
// URL: a URL would need the key in its query string.
async function loadDocument() {
  let response;
  try {
    response = await fetch(config.documentUrl, { credentials: "omit", headers: bearer(key) });
  } catch {
    showNotice("Could not reach the API.", "Check your connection, then close and reopen the playground.");
    return null;
  }
  if (!response.ok) {
    let message = "";
    try {
      // The last message is the specific one (the first may be Twenty's terse words).
      message = (await response.json())?.messages?.at(-1) || "";
    } catch {
      // not JSON: the status says enough
    }
    noticeForStatus(response.status, message);
    if (response.status !== 401 && response.status !== 429) {
      showNotice(`${response.status} ${response.statusText}`, message || "The OpenAPI document could not be loaded.");
    }
    return null;
  }
  return response.json();
}

// The languages Scalar can write requests in, beyond those with a snippet for the
// "Client Libraries" card (client_snippets.js): the card would show only their names.
const LANGUAGES_WITHOUT_SNIPPET = ["c", "clojure", "dart", "fsharp", "kotlin", "objc", "ocaml", "r", "rust", "swift"];

// The card's snippets all send one request of this schema (settings_ui/views/playground.py).
function withClientSnippets(openapi) {
  const url = openapi.servers[0].url + config.sampleRequest.path;
  const snippets = clientSnippets({ url, key, summary: config.sampleRequest.summary });
  return { ...openapi, info: { ...openapi.info, "x-scalar-sdk-installation": snippets } };
}

const root = document.querySelector("[data-playground-root]");
const openapi = await loadDocument();
if (openapi) {
  window.Scalar.createApiReference(root, {
    content: withClientSnippets(openapi),
    // Every snippet, in the card and beside each operation, carries the key as the
    // Authorization header.
    authentication: {
      preferredSecurityScheme: "bearerAuth",
      securitySchemes: { bearerAuth: { token: key } },
    },
    defaultHttpClient: { targetKey: "shell", clientKey: "curl" },
    hiddenClients: Object.fromEntries(LANGUAGES_WITHOUT_SNIPPET.map((language) => [language, true])),
    hideClientButton: true,
    persistAuth: false,
    withDefaultFonts: false,
    agent: { disabled: true },
    showDeveloperTools: "never",
    telemetry: false,
    hideDarkModeToggle: true,
    forceDarkModeState: "light",
    documentDownloadType: "json",
    defaultOpenFirstTag: true,
    onLoaded: () => announceReady(),
  });
} else {
  announceReady();
}
