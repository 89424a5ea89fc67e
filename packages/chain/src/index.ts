export * from "./errors.js";
export * from "./types.js";
export * from "./contracts.js";
export * from "./deploy.js";
export * from "./anvil.js";
export * from "./testing.js";
export * from "./stake-source.js";
export { compile, readSources, renderArtifacts, SOLC_SETTINGS, SOLC_VERSION, SHIPPED_CONTRACTS } from "./compile.js";
export {
  CircuitRegistryArtifact, EscrowArtifact, FflonkVerifierArtifact, Groth16VerifierArtifact, PlonkVerifierArtifact,
  StakeRegistryArtifact,
} from "./generated/artifacts.js";
export * from "./tx/index.js";
