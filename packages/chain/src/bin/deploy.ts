/**
 * Deploys the ZKPool contracts: ZKPOOL_DEPLOYER_KEY=0x… node dist/src/bin/deploy.js <rpcUrl> [deploymentsDir]
 * Writes <deploymentsDir>/<chainId>.json (default ./deployments).
 */
import { deployToRpc } from "../deploy.js";

const [rpcUrl, dir] = process.argv.slice(2);
const key = process.env["ZKPOOL_DEPLOYER_KEY"];
if (rpcUrl === undefined || key === undefined) {
  console.error("usage: ZKPOOL_DEPLOYER_KEY=0x<private key> node dist/src/bin/deploy.js <rpcUrl> [deploymentsDir]");
  process.exit(2);
}
const { deployment, path } = await deployToRpc({ rpcUrl, privateKey: key, deploymentsDir: dir ?? "deployments" });
console.log(`deployed StakeRegistry ${deployment.stakeRegistry} and Escrow ${deployment.escrow} on chain ${deployment.chainId}; wrote ${path}`);
