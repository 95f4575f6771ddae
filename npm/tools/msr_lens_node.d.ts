// The Node.js entry: the API of the web build, initialised on import (no init()).
export * from "./msr_lens.js";
