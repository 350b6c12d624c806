// The open playground is part of the page address (?playground=graphql&schema=core), so a
// reload or a shared link reopens it, and the browser's Back button closes it.

export const APIS = ["graphql", "rest"];
export const SCHEMAS = ["core", "metadata"];

// The playground named by the address, or null. `schema` defaults to core.
export function choiceFromUrl(href = window.location.href) {
  const params = new URL(href).searchParams;
  const api = params.get("playground");
  const schema = params.get("schema") || "core";
  if (!APIS.includes(api) || !SCHEMAS.includes(schema)) return null;
  return { api, schema };
}

function urlFor(choice) {
  const url = new URL(window.location.href);
  url.searchParams.delete("playground");
  url.searchParams.delete("schema");
  if (choice) {
    url.searchParams.set("playground", choice.api);
    url.searchParams.set("schema", choice.schema);
  }
  return url.pathname + url.search + url.hash;
}

function sameChoice(a, b) {
  return Boolean(a && b && a.api === b.api && a.schema === b.schema);
}

// Record an opened playground. A new history entry, so Back closes it; unless the address
// already names it (a reload or a shared link), which must not stack a duplicate.
export function enterPlayground(choice) {
  if (sameChoice(choiceFromUrl(), choice)) {
    window.history.replaceState({ playground: true, pushed: Boolean(window.history.state?.pushed) }, "", urlFor(choice));
  } else {
    window.history.pushState({ playground: true, pushed: true }, "", urlFor(choice));
  }
}

// Forget the open playground. Returns true when it went Back to the entry before it (the
// popstate handler then closes the dialog), false when it only rewrote the address (the
// page was loaded with the playground open, so Back would leave the page).
export function leavePlayground() {
  if (window.history.state?.pushed) {
    window.history.back();
    return true;
  }
  window.history.replaceState(null, "", urlFor(null));
  return false;
}
