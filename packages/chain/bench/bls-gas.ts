/**
 * Certificate gas on chain: one BLS aggregate certificate (contracts/BlsCertificateVerifier.sol, EIP-2537) against
 * the v0 secp256k1 certificate the Escrow checks today, at the same committee sizes and signers, on one anvil
 * started with `--hardfork prague`. Run: `npx tsc -b packages/chain && node packages/chain/dist/bench/bls-gas.js`
 * (optionally `--sizes 3,10,100,1000`).
 *
 * What is measured, for both: the gasUsed of one transaction that calls the check and nothing else, so 21,000 +
 * the call data + execution (Prague prices, EIP-7623 floor included). Signers are the members with index % 3 != 2
 * (the least 2/3 quorum of equal stakes, spread over the whole set), and then everyone.
 * - bls: `verifyCertificate(setId, digest, signerBitmap, signature)`: header and key records read from code,
 *   the minority side of the bitmap summed with G1ADD, hash-to-G2 (SHA-256 + MODEXP + 2 MAP_FP2_TO_G2 + G2ADD), one
 *   two-pair pairing. Call data: the bitmap and a 192-byte uncompressed signature.
 * - secp: contracts/bls/SecpCertificateHarness.sol, a verbatim copy of `Escrow._checkCertificate` (keep = false)
 *   and `Escrow._recover` against a real StakeRegistry with every member staked: per signer an order check, an
 *   ecrecover and a `stakeAt` call, then `totalStakeAt`. Call data: the ABI `Certificate {address[], bytes[]}`.
 *   The bench checks that the copy still matches contracts/Escrow.sol and says so.
 * Neither includes the EIP-712 hashing of the vote body (the same for both), nor the Escrow's other settle work.
 *
 * Prints one line per case:
 *   `bls-gas: signers=<k>/<n> bls=<gas> secp=<gas> calldata_bytes=<bls call data> secp_calldata_bytes=<b> ratio=<secp/bls>`
 * plus the one-off cost of registering each key set and of one on-chain proof-of-possession check.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  Contract, ContractFactory, HDNodeWallet, Mnemonic, Wallet, concat, getBytes, keccak256, parseEther, toBeHex, toUtf8Bytes,
  type InterfaceAbi, type JsonRpcProvider, type TransactionReceipt,
} from "ethers";
import {
  aggregateBlsSignatures, blsKeyFromSeed, blsProofOfPossession, blsSign, blsVoteMessage, decodeBlsPublicKey, decodeBlsSignature,
  type BlsKey, type Hex,
} from "@zkpool/protocol";
import { ANVIL_DEV_MNEMONIC, startAnvil } from "../src/anvil.js";
import { compile, packageRoot } from "../src/compile.js";
import { BlsCertificateVerifierArtifact, StakeRegistryArtifact } from "../src/generated/artifacts.js";
import { testProvider } from "../src/testing.js";

const EPOCH_SECONDS = 3600n;
/** Keys per appendKeys transaction: two data contracts (2 × 219), ~14M gas. */
const APPEND_BATCH = 438;

function sizesFromArgs(): number[] {
  const i = process.argv.indexOf("--sizes");
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const sizes = (raw ?? "3,10,100,128,1000").split(",").map(Number);
  if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 8192)) throw new Error(`bad --sizes ${raw}`);
  return sizes;
}

/** Gas of the call data alone: 4 per zero byte, 16 per other byte. */
function calldataGas(data: string): number {
  let g = 0;
  for (const b of getBytes(data)) g += b === 0 ? 4 : 16;
  return g;
}

/** The text of `function <name>(` up to its closing brace at 4-space indent, whitespace-normalised. */
function solidityFunction(source: string, name: string): string {
  const start = source.indexOf(`    function ${name}(`);
  if (start < 0) return "";
  const end = source.indexOf("\n    }\n", start);
  return source.slice(start, end).replace(/\s+/g, " ");
}

async function main(): Promise<void> {
  const sizes = sizesFromArgs();
  const maxN = Math.max(...sizes);
  const contracts = join(packageRoot(), "contracts");
  const harnessSource = readFileSync(join(contracts, "bls", "SecpCertificateHarness.sol"), "utf8");
  const escrowSource = readFileSync(join(contracts, "Escrow.sol"), "utf8");
  const same = ["_checkCertificate", "_recover"].every((f) => {
    const a = solidityFunction(escrowSource, f);
    return a !== "" && a === solidityFunction(harnessSource, f);
  });
  console.log(`bls-gas: secp harness = Escrow._checkCertificate + _recover copied verbatim: ${same ? "identical to contracts/Escrow.sol" : "DIFFERS from contracts/Escrow.sol (re-copy it)"}`);

  const anvil = await startAnvil({ hardfork: "prague", accounts: 1 });
  const provider: JsonRpcProvider = testProvider(anvil.url, anvil.chainId);
  try {
    const deployer = new Wallet(HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey, provider);
    let nonce = await provider.getTransactionCount(deployer.address);
    const send = async (to: string, data: string, gasLimit = 29_000_000n): Promise<TransactionReceipt> => {
      const tx = await deployer.sendTransaction({ to, data, gasLimit, nonce: nonce++ });
      const r = await tx.wait();
      if (r === null || r.status !== 1) throw new Error(`transaction to ${to} failed`);
      return r;
    };
    const deploy = async (c: { abi: readonly unknown[]; bytecode: string }, ...args: unknown[]): Promise<Contract> => {
      const d = await new ContractFactory(c.abi as InterfaceAbi, c.bytecode, deployer).deploy(...args, { nonce: nonce++ });
      await d.waitForDeployment();
      return new Contract(await d.getAddress(), c.abi as InterfaceAbi, provider);
    };

    const verifier = await deploy(BlsCertificateVerifierArtifact);
    const harnessArtifact = compile({ "SecpCertificateHarness.sol": harnessSource })["SecpCertificateHarness"]!;

    // Operators: secp256k1 wallets in ascending address order (the committee order), each with a BLS key.
    const wallets = Array.from({ length: maxN }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`zkpool/bench/bls-gas/secp/${i}`)), provider))
      .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const operators = wallets.map((w) => w.address.toLowerCase() as Hex);
    const blsKeys: BlsKey[] = operators.map((_, i) => blsKeyFromSeed(new Uint8Array(createHash("sha256").update(`zkpool/bench/bls-gas/bls/${i}`).digest())));
    const pk96 = blsKeys.map((k) => decodeBlsPublicKey(k.publicKey).toBytes(false));
    for (const w of wallets) await provider.send("anvil_setBalance", [w.address, toBeHex(parseEther("1000"))]);
    const walletNonce = new Map<string, number>(wallets.map((w) => [w.address, 0]));

    const digest = blsVoteMessage(
      { kind: "completion", taskId: keccak256(toUtf8Bytes("bench-task")) as Hex, round: 0, prover: operators[0]!, proofHash: keccak256(toUtf8Bytes("proof")) as Hex },
      { chainId: BigInt(anvil.chainId), escrow: (await verifier.getAddress()).toLowerCase() as Hex },
    );
    const blsSigs = blsKeys.map((k) => blsSign(k, digest));
    const secpSigs = wallets.map((w) => w.signingKey.sign(digest).serialized);

    for (const n of sizes) {
      // v0: a fresh StakeRegistry with exactly these n operators staked (1 ETH each), its epoch final.
      const registry = await deploy(StakeRegistryArtifact, EPOCH_SECONDS, 1n, 1n);
      const registryAddress = await registry.getAddress();
      const stakeData = registry.interface.encodeFunctionData("stake", []);
      for (let from = 0; from < n; from += 100) {
        const batch = wallets.slice(from, Math.min(n, from + 100)).map(async (w) => {
          const nn = walletNonce.get(w.address)!;
          walletNonce.set(w.address, nn + 1);
          const tx = await w.sendTransaction({ to: registryAddress, data: stakeData, value: parseEther("1"), gasLimit: 300_000n, nonce: nn });
          const r = await tx.wait();
          if (r === null || r.status !== 1) throw new Error("stake failed");
        });
        await Promise.all(batch);
      }
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const epoch = now / EPOCH_SECONDS + 1n;
      await provider.send("evm_increaseTime", [Number(EPOCH_SECONDS)]);
      await provider.send("evm_mine", []);
      if (!(await registry.getFunction("isFinal")(epoch))) throw new Error("epoch not final");
      const harness = await deploy(harnessArtifact, registryAddress);
      const harnessAddress = await harness.getAddress();

      // BLS: the same operators and weights as one key set.
      const verifierAddress = await verifier.getAddress();
      let registerGas = 0n;
      let registerTxs = 0;
      registerGas += (await send(verifierAddress, verifier.interface.encodeFunctionData("openKeySet", []))).gasUsed;
      registerTxs++;
      const setId = (await verifier.getFunction("keySetCount")()) as bigint;
      for (let from = 0; from < n; from += APPEND_BATCH) {
        const to = Math.min(n, from + APPEND_BATCH);
        const data = verifier.interface.encodeFunctionData("appendKeys", [
          setId, operators.slice(from, to), concat(pk96.slice(from, to)), Array.from({ length: to - from }, () => parseEther("1")),
        ]);
        registerGas += (await send(verifierAddress, data)).gasUsed;
        registerTxs++;
      }
      registerGas += (await send(verifierAddress, verifier.interface.encodeFunctionData("sealKeySet", [setId]))).gasUsed;
      registerTxs++;
      console.log(`bls-gas: register keys=${n} gas=${registerGas} txs=${registerTxs} per_key=${registerGas / BigInt(n)}`);

      const quorum = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 2);
      const everyone = Array.from({ length: n }, (_, i) => i);
      for (const signers of n === quorum.length ? [everyone] : [quorum, everyone]) {
        const bitmap = new Uint8Array((n + 7) >> 3);
        for (const i of signers) bitmap[i >> 3]! |= 1 << (i & 7);
        const aggregate = decodeBlsSignature(aggregateBlsSignatures(signers.map((i) => blsSigs[i]!))).toBytes(false);
        const blsData = verifier.interface.encodeFunctionData("verifyCertificate", [setId, digest, bitmap, aggregate]);
        const [signed, total] = (await verifier.getFunction("verifyCertificate")(setId, digest, bitmap, aggregate)) as [bigint, bigint];
        if (signed !== parseEther("1") * BigInt(signers.length) || total !== parseEther("1") * BigInt(n)) throw new Error("bls: wrong weights");
        const bls = (await send(verifierAddress, blsData)).gasUsed;

        const cert = [signers.map((i) => operators[i]!), signers.map((i) => secpSigs[i]!)];
        const secpData = harness.interface.encodeFunctionData("checkCertificate", [digest, cert, epoch]);
        await harness.getFunction("checkCertificate")(digest, cert, epoch); // reverts if the harness refuses it
        const secp = (await send(harnessAddress, secpData)).gasUsed;

        const blsBytes = getBytes(blsData).length;
        const secpBytes = getBytes(secpData).length;
        console.log(
          `bls-gas: signers=${signers.length}/${n} bls=${bls} secp=${secp} calldata_bytes=${blsBytes} secp_calldata_bytes=${secpBytes}` +
            ` bls_calldata_gas=${calldataGas(blsData)} secp_calldata_gas=${calldataGas(secpData)} ratio=${(Number(secp) / Number(bls)).toFixed(2)}`,
        );
      }
    }

    // One on-chain proof-of-possession check (appendKeysWithProofs pays this per key on top of appendKeys).
    const pop = decodeBlsSignature(blsProofOfPossession(blsKeys[0]!, operators[0]!)).toBytes(false);
    const popData = verifier.interface.encodeFunctionData("verifyProofOfPossession", [operators[0]!, pk96[0]!, pop]);
    if (!(await verifier.getFunction("verifyProofOfPossession")(operators[0]!, pk96[0]!, pop))) throw new Error("pop refused");
    const popGas = (await send(await verifier.getAddress(), popData)).gasUsed;
    console.log(`bls-gas: proof-of-possession check (one key, its own transaction) gas=${popGas}`);
    console.log(`bls-gas: BlsCertificateVerifier runtime code ${getBytes(await provider.getCode(await verifier.getAddress())).length} bytes`);
  } finally {
    provider.destroy();
    await anvil.stop();
  }
}

await main();
