/**
 * The transaction sender (src/tx) against a real anvil: simulation reverts never consume a nonce, order and
 * consecutive nonces under concurrency, fee-bump replacement of a stuck transaction, moot drops, restart
 * nonce pick-up, stop() with a pending wait, and a status-0 receipt. No timing assertions.
 */
import assert from "node:assert/strict";
import { ContractFactory, Interface, Wallet, type JsonRpcProvider, type TransactionReceipt } from "ethers";
import {
  TxErrorCode,
  compile,
  createTxSender,
  isTxError,
  startAnvil,
  testProvider,
  type Anvil,
  type ChainError,
  type ManagedTxSender,
  type TxSenderInit,
} from "../src/index.js";
import { devWallet } from "./helpers/pool.js";

const SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
contract TxTarget {
  error Boom(uint256 code);
  uint256 public count;
  bool public done;
  function ping() external { count++; }
  function boom() external pure { revert Boom(7); }
  function once() external { require(!done, "done"); done = true; }
}
`;

const GWEI = 10n ** 9n;

async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function hasCode(code: string, extra?: (e: ChainError) => boolean): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isTxError(e), `expected a tx ChainError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (extra) assert.ok(extra(e), `unexpected fields: ${JSON.stringify(e.type)}`);
    return true;
  };
}

describe("chain: transaction sender (tx)", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let target: string;
  let iface: Interface;
  const senders: ManagedTxSender[] = [];
  const providers: JsonRpcProvider[] = [];

  /** A sender on dev account `i` with its own provider; stopped in the after hook. */
  function sender(i: number, extra: Partial<TxSenderInit> = {}): { s: ManagedTxSender; wallet: Wallet; events: { event: string; hash?: string }[] } {
    const p = testProvider(anvil.url, 31337);
    providers.push(p);
    const wallet = devWallet(i, p);
    const events: { event: string; hash?: string }[] = [];
    const s = createTxSender({
      signer: wallet,
      interfaces: [iface],
      receiptTimeoutMs: 5000,
      pollIntervalMs: 25,
      backoffMs: 20,
      log: (event, f) => events.push({ event, hash: typeof f["hash"] === "string" ? f["hash"] : undefined }),
      ...extra,
    });
    senders.push(s);
    return { s, wallet, events };
  }
  const ping = (): { to: string; data: string } => ({ to: target, data: iface.encodeFunctionData("ping") });
  const nonceOf = async (addr: string): Promise<number> => provider.getTransactionCount(addr, "latest");
  const txNonce = async (r: TransactionReceipt): Promise<number> => {
    const tx = await provider.getTransaction(r.hash);
    assert.ok(tx);
    return tx.nonce;
  };
  async function withoutAutomine<T>(fn: () => Promise<T>): Promise<T> {
    await provider.send("evm_setAutomine", [false]);
    try {
      return await fn();
    } finally {
      await provider.send("evm_setAutomine", [true]);
      await provider.send("evm_mine", []);
    }
  }

  before(async () => {
    anvil = await startAnvil({ accounts: 12 });
    provider = testProvider(anvil.url, 31337);
    const c = compile({ "TxTarget.sol": SOURCE })["TxTarget"];
    assert.ok(c);
    iface = new Interface(c.abi as string[]);
    const deployed = await new ContractFactory(c.abi as string[], c.bytecode, devWallet(9, provider)).deploy();
    await deployed.waitForDeployment();
    target = await deployed.getAddress();
  });
  after(async () => {
    for (const s of senders) await s.stop();
    for (const p of providers) p.destroy();
    provider?.destroy();
    await anvil?.stop();
  });

  it("(a) a revert at simulation is CHAIN_TX_REVERTED with the decoded error, uses no nonce, and the next tx mines", async () => {
    const { s, wallet } = sender(0);
    await s.start();
    const before = await nonceOf(wallet.address);
    await assert.rejects(s.send({ to: target, data: iface.encodeFunctionData("boom") }, { label: "boom" }),
      hasCode(TxErrorCode.REVERTED, (e) => e.type["stage"] === "simulation" && e.type["errorName"] === "Boom" && e.type["label"] === "boom"));
    // value to a contract without receive/fallback reverts too
    await assert.rejects(s.send({ to: target, data: "0x", value: 1n }, { label: "pay" }), hasCode(TxErrorCode.REVERTED));
    assert.equal(await nonceOf(wallet.address), before);
    const r = await s.send(ping(), { label: "ping" });
    assert.equal(r.status, 1);
    assert.equal(await txNonce(r), before);
    assert.deepEqual({ ...s.stats(), pending: 0 }, { sent: 1, mined: 1, failed: 2, replaced: 0, dropped: 0, aborted: 0, pending: 0 });
  });

  it("(b) 20 concurrent sends mine in order with consecutive nonces", async () => {
    const { s, wallet } = sender(1);
    await s.start();
    const before = await nonceOf(wallet.address);
    const countBefore = BigInt(await provider.call({ to: target, data: iface.encodeFunctionData("count") }));
    const receipts = await Promise.all(Array.from({ length: 20 }, (_, i) => s.send(ping(), { label: `ping-${i}` })));
    const nonces = await Promise.all(receipts.map(txNonce));
    assert.deepEqual(nonces, Array.from({ length: 20 }, (_, i) => before + i));
    for (let i = 1; i < receipts.length; i++) assert.ok(receipts[i]!.blockNumber >= receipts[i - 1]!.blockNumber);
    assert.equal(BigInt(await provider.call({ to: target, data: iface.encodeFunctionData("count") })), countBefore + 20n);
    assert.equal(s.stats().mined, 20);
    assert.equal(s.stats().pending, 0);
  });

  it("(c) a stuck transaction is replaced at a higher fee and the replacement mines", async () => {
    let replacedMetric = 0;
    const { s, wallet, events } = sender(2, {
      receiptTimeoutMs: 200,
      metrics: { onSent: () => {}, onMined: () => {}, onFailed: () => {}, onReplaced: () => { replacedMetric++; }, pending: () => {} },
    });
    await s.start();
    const before = await nonceOf(wallet.address);
    const fee0 = (await provider.getFeeData()).maxFeePerGas ?? 0n;
    const receipt = await withoutAutomine(async () => {
      const p = s.send(ping(), { label: "stuck" });
      await until(() => s.stats().replaced >= 1, "a replacement");
      await provider.send("evm_mine", []);
      return p;
    });
    assert.equal(receipt.status, 1);
    const first = events.find((e) => e.event === "sent")?.hash;
    assert.ok(first);
    assert.notEqual(receipt.hash, first);
    const mined = await provider.getTransaction(receipt.hash);
    assert.ok(mined?.maxFeePerGas && mined.maxFeePerGas > fee0, `replacement fee ${mined?.maxFeePerGas} > ${fee0}`);
    assert.equal(mined.nonce, before);
    assert.ok(s.stats().replaced >= 1);
    assert.equal(replacedMetric, s.stats().replaced);
    // the sender carries on with the next nonce
    assert.equal(await txNonce(await s.send(ping(), { label: "after" })), before + 1);
  });

  it("(c') after maxReplacements the send fails with CHAIN_TX_STUCK and the next transaction takes over the nonce", async () => {
    const { s, wallet } = sender(10, { receiptTimeoutMs: 100, maxReplacements: 1 });
    await s.start();
    const before = await nonceOf(wallet.address);
    const r = await withoutAutomine(async () => {
      await assert.rejects(s.send(ping(), { label: "stuck" }), hasCode(TxErrorCode.STUCK, (e) => e.type["nonce"] === before));
      const next = s.send(ping(), { label: "takeover" });
      await until(() => s.stats().sent >= 2, "the takeover broadcast");
      await provider.send("evm_mine", []);
      return next;
    });
    assert.equal(await txNonce(r), before);
    assert.equal(await nonceOf(wallet.address), before + 1);
    assert.equal(s.stats().failed, 1);
  });

  it("(c'') a transaction that becomes moot while stuck is cancelled with a 0-value self-transfer", async () => {
    const { s, wallet } = sender(11, { receiptTimeoutMs: 150 });
    await s.start();
    const before = await nonceOf(wallet.address);
    const countBefore = BigInt(await provider.call({ to: target, data: iface.encodeFunctionData("count") }));
    let moot = false;
    await withoutAutomine(async () => {
      const p = s.send(ping(), { label: "cancel-me", moot: () => Promise.resolve(moot) });
      const outcome = p.then(() => undefined, (e: unknown) => e);
      await until(() => s.stats().sent >= 1, "the broadcast");
      moot = true;
      await until(() => s.stats().replaced >= 1, "the cancel");
      await provider.send("evm_mine", []);
      hasCode(TxErrorCode.MOOT, (e) => e.type["cancelled"] === true && e.type["nonce"] === before)(await outcome);
    });
    assert.equal(await nonceOf(wallet.address), before + 1);
    assert.equal(BigInt(await provider.call({ to: target, data: iface.encodeFunctionData("count") })), countBefore);
    assert.equal(s.stats().dropped, 1);
  });

  it("(d) a moot transaction is dropped with CHAIN_TX_MOOT and uses no nonce", async () => {
    const { s, wallet } = sender(3);
    await s.start();
    const before = await nonceOf(wallet.address);
    let asked = 0;
    await assert.rejects(s.send(ping(), { label: "moot", moot: () => { asked++; return Promise.resolve(true); } }), hasCode(TxErrorCode.MOOT));
    assert.equal(asked, 1);
    assert.equal(await nonceOf(wallet.address), before);
    assert.equal(s.stats().dropped, 1);
    assert.equal(s.stats().sent, 0);
    assert.equal(await txNonce(await s.send(ping(), { label: "next", moot: () => Promise.resolve(false) })), before);
  });

  it("(e) after external transactions, a restarted or new sender on the same key picks up the chain nonce", async () => {
    const { s, wallet } = sender(4);
    await s.start();
    await s.send(ping(), { label: "one" });
    await s.stop();
    await assert.rejects(s.send(ping(), { label: "stopped" }), hasCode(TxErrorCode.NOT_STARTED));
    const external = new Wallet(wallet.privateKey, provider);
    for (let i = 0; i < 2; i++) await (await external.sendTransaction({ to: external.address, value: 0n })).wait();
    const expected = await nonceOf(wallet.address);
    await s.start();
    assert.equal(await txNonce(await s.send(ping(), { label: "restarted" })), expected);
    await s.stop();
    await (await external.sendTransaction({ to: external.address, value: 0n })).wait();
    const fresh = sender(4).s;
    await fresh.start();
    assert.equal(await txNonce(await fresh.send(ping(), { label: "new" })), expected + 2);
  });

  it("(e') an external transaction taking the sender's cached nonce is survived (nonce too low → re-sync)", async () => {
    const { s, wallet, events } = sender(7);
    await s.start();
    const external = new Wallet(wallet.privateKey, provider);
    await (await external.sendTransaction({ to: external.address, value: 0n })).wait();
    const expected = await nonceOf(wallet.address);
    assert.equal(await txNonce(await s.send(ping(), { label: "after-external" })), expected);
    assert.ok(events.some((e) => e.event === "retry"), "the stale nonce was rejected and retried");
  });

  it("(f) stop() with a pending receipt wait returns promptly and rejects in-flight and queued sends with CHAIN_TX_ABORTED", async function () {
    this.timeout(15_000);
    const { s } = sender(5, { receiptTimeoutMs: 60_000 });
    await s.start();
    await withoutAutomine(async () => {
      const inflight = s.send(ping(), { label: "inflight" });
      const queued = s.send(ping(), { label: "queued" });
      const settled = Promise.allSettled([inflight, queued]);
      await until(() => s.stats().sent >= 1, "the first broadcast");
      await s.stop();
      const [a, b] = await settled;
      for (const r of [a, b]) {
        assert.ok(r?.status === "rejected");
        hasCode(TxErrorCode.ABORTED)(r.reason);
      }
      assert.equal(s.stats().aborted, 2);
      assert.equal(s.stats().pending, 0);
    });
  });

  it("(g) a transaction that passes simulation but reverts when mined is CHAIN_TX_REVERTED (stage mined)", async () => {
    const { s } = sender(6);
    await s.start();
    const rival = devWallet(8, provider);
    await withoutAutomine(async () => {
      const p = s.send({ to: target, data: iface.encodeFunctionData("once") }, { label: "once" });
      const outcome = p.then(() => undefined, (e: unknown) => e);
      await until(() => s.stats().sent >= 1, "the broadcast");
      // a rival with a higher tip is ordered first in the block and takes the one-shot
      await rival.sendTransaction({ to: target, data: iface.encodeFunctionData("once"), gasLimit: 100_000n, maxFeePerGas: 1000n * GWEI, maxPriorityFeePerGas: 100n * GWEI });
      await provider.send("evm_mine", []);
      hasCode(TxErrorCode.REVERTED, (e) => e.type["stage"] === "mined" && typeof e.type["txHash"] === "string")(await outcome);
    });
    assert.equal(s.stats().failed, 1);
    // the nonce was used (mined); the next transaction goes on
    assert.equal((await s.send(ping(), { label: "next" })).status, 1);
  });
});
