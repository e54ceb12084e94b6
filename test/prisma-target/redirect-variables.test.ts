// Set-ups where the migrate URL comes from another variable than databaseUrlEnv (see setups.ts).
import { defineRedirectTests } from "./redirect-scenarios.js";
import { SETUPS } from "./setups.js";

defineRedirectTests(SETUPS.slice(0, 2));
