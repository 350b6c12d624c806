// The login page: whoever sees it is logged out, so no playground key kept in this browser
// outlives that (playground/key_store.js). The logout form forgets them as it is sent
// (app.js), but only once that script has run; this covers a logout sent before it had,
// and a session that ended on its own.

import { forgetKeys } from "./playground/key_store.js";

forgetKeys();
