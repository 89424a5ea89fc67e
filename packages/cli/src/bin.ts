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

const { main } = await import("./program.js");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Every resource is closed by now; do not let a stray handle keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
