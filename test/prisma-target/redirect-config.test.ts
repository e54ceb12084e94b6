// Set-ups where dbship.config.json or a .env file the config loads decide the migrate URL (see setups.ts).
import { defineRedirectTests } from "./redirect-scenarios.js";
import { SETUPS } from "./setups.js";

defineRedirectTests(SETUPS.slice(2));
