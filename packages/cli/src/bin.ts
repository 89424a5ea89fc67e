#!/usr/bin/env node
// ZKPool targets Node 22 LTS: libp2p 3's dependencies need APIs Node 20 lacks. Say so plainly instead of
// crashing deep inside a dependency; `npm install` brings Node 22 and every npm script runs with it.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `zkpool: Node ${process.versions.node} is too old; ZKPool needs Node 22 or newer. ` +
      "Run it through npm (e.g. `npm run devnet`, `npx zkpool …`), which uses the Node 22 that `npm install` " +
      "put in node_modules/.bin, or run node_modules/.bin/node directly. [NODE_TOO_OLD]\n",
  );
  process.exit(2);
}

// `node start` runs for days: apply the runtime settings of node-flags.ts (a small idle footprint) by replacing this
// process with one started with them (execve: the same pid and stdio, so whatever started the node and waits on it
// sees no difference; no handler or file is open yet). It costs one more Node start-up (~50 ms) before anything is
// loaded; a launcher that passes NODE_START_FLAGS and NODE_START_ENV itself skips it. Without process.execve
// (Node < 22.15, Windows) the node runs as started.
const { reexecFor } = await import("./node-flags.js");
const reexec = reexecFor({ argv: process.argv.slice(2), execArgv: process.execArgv, env: process.env, script: process.argv[1]! });
if (reexec !== undefined && typeof process.execve === "function" && process.platform !== "win32") {
  try {
    process.execve(process.execPath, [process.execPath, ...reexec.args], reexec.env);
  } catch {
    // execve failed and this process is unchanged: run as started
  }
}

const { main } = await import("./program.js");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Every resource is closed by now; do not let a stray handle keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
