// The login page: whoever sees it is logged out, so no playground key kept in this browser
// outlives that (playground/key_store.js). Logging out lands here (LOGOUT_REDIRECT_URL),
// and so does a session that ended on its own. Done here rather than as the logout form
// is sent, since a form sent before its page's scripts ran would skip that.

import { forgetKeys } from "./playground/key_store.js";

forgetKeys();
