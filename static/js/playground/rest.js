// The REST playground (templates/settings/playground/rest.html): Scalar's API reference
// of this workspace's OpenAPI document, with "try it" sending real requests here and
// the key from sessionStorage pre-filled as the bearer token.
//
// Scalar is told to stay offline: no default web fonts, no "Ask AI" agent, no developer
// toolbar, no telemetry, and no proxyUrl, so every request goes straight to this server.

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
      message = (await response.json())?.messages?.[0] || "";
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

const root = document.querySelector("[data-playground-root]");
const openapi = await loadDocument();
if (openapi) {
  window.Scalar.createApiReference(root, {
    content: openapi,
    authentication: {
      preferredSecurityScheme: "bearerAuth",
      securitySchemes: { bearerAuth: { token: key } },
    },
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
