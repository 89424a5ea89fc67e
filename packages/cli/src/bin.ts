#!/usr/bin/env node
import { main } from "./program.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Every resource is closed by now; do not let a stray handle keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
