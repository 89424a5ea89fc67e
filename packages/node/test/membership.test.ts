import assert from "node:assert/strict";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { encodeOperatorRecord, signOperatorRecord, type Hex } from "@zkpool/protocol";
import { OPERATOR_DHT_NAMESPACE, operatorDhtKey, operatorDhtRecordRules, peerIdHex, systemNow } from "../src/index.js";
import { DOMAIN, OTHER_DOMAIN, genesisFor, operatorWallet } from "./utils.js";

describe("operator records in the DHT: validator and selector", () => {
  // Operator 0 is staked, operator 1 is not.
  const rules = operatorDhtRecordRules({ domain: DOMAIN, now: systemNow, stake: genesisFor(1) });
  const validate = rules.validators[OPERATOR_DHT_NAMESPACE]!;
  const select = rules.selectors[OPERATOR_DHT_NAMESPACE]!;
  let pid: Hex;
  const rec = (seq: bigint, domain = DOMAIN, peer?: Hex, operator = 0): Uint8Array =>
    encodeOperatorRecord(
      signOperatorRecord(
        { operator: operatorWallet(operator).address.toLowerCase() as Hex, peerId: peer ?? pid, proofSystems: [1], moduleIds: [], capacity: 1, softwareVersion: "0.1.0", seq, issuedAt: systemNow() },
        operatorWallet(operator),
        domain,
      ),
    );

  before(async () => {
    pid = peerIdHex(peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString());
  });

  it("accepts a signed record under its own peer id's key", async () => {
    await validate(operatorDhtKey(pid), rec(1n));
  });

  it("refuses a forged record and one stored under another peer's key", async () => {
    const other = peerIdHex(peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString());
    await assert.rejects(async () => validate(operatorDhtKey(pid), rec(1n, OTHER_DOMAIN)));
    await assert.rejects(async () => validate(operatorDhtKey(other), rec(1n)));
    await assert.rejects(async () => validate(operatorDhtKey(pid), Uint8Array.of(1, 2, 3)));
  });

  it("refuses a correctly signed record of an operator without stake", async () => {
    await assert.rejects(async () => validate(operatorDhtKey(pid), rec(1n, DOMAIN, pid, 1)), /without stake/);
  });

  it("selects the highest seq among valid records: a stale or forged record loses", async () => {
    const key = operatorDhtKey(pid);
    assert.equal(await select(key, [rec(1n), rec(3n), rec(2n)]), 1);
    // A forged record with a higher seq never wins.
    assert.equal(await select(key, [rec(2n), rec(9n, OTHER_DOMAIN)]), 0);
  });
});
