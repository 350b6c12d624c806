// Check a key before launching a playground, with the cheapest authenticated request
// there is, so a bad key is reported next to the field instead of inside the tool.

import { bearer } from "./key_store.js";

const PROBE = { query: "{ __typename }" };

async function serverMessage(response) {
  try {
    const body = await response.json();
    return body?.errors?.[0]?.message || body?.messages?.[0] || "";
  } catch {
    return "";
  }
}

// -> {ok: true} or {ok: false, message}
export async function checkKey(key) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "omit", // the API authenticates keys, never the session cookie
      headers: { "Content-Type": "application/json", Accept: "application/json", ...bearer(key) },
      body: JSON.stringify(PROBE),
    });
  } catch {
    return { ok: false, message: "Could not reach the API. Check your connection and try again." };
  }
  if (response.ok) return { ok: true };
  const detail = await serverMessage(response);
  if (response.status === 401) {
    // "Invalid API key." already says it all; revoked or expired keys say why.
    const why = detail && !/^invalid api key\.?$/i.test(detail) ? ` ${detail}` : "";
    return { ok: false, message: `Invalid API key.${why}` };
  }
  if (response.status === 429) {
    return { ok: false, message: detail || "Too many requests with this key: wait a minute and try again." };
  }
  return { ok: false, message: `The API answered ${response.status}${detail ? `: ${detail}` : "."}` };
}
