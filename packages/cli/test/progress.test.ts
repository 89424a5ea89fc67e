/**
 * The CLI's progress display (devnet start-up, `task submit`) in its three modes. plain and json write into a
 * line collector; tty draws (listr2) on a fake terminal.
 * TEST DOUBLES: FakeTerminal, a Writable that says it is a 80x24 TTY and keeps what was written.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createProgress, progressMode, type Progress } from "../src/progress.js";

/** The same script of steps for every mode: a devnet-like start-up and a task's phases. */
async function script(p: Progress): Promise<void> {
  await p.run("starting anvil", () => Promise.resolve({ url: "http://127.0.0.1:8545", pid: 7 }), (a) => [`anvil ${a.url} (pid ${a.pid})`, { event: "anvil", rpcUrl: a.url, anvilPid: a.pid }]);
  const bidding = p.start("bidding: waiting for sealed bids");
  bidding.update("bidding: still nothing"); // spinner text only
  bidding.update("bidding: 2 sealed, 1 revealed", { event: "bids", commits: 2, reveals: 1 });
  p.event("task 1 0xabc published", { event: "published", taskId: "0xabc" });
  bidding.done("assigned to 0xprover at 0.05 ETH (max 0.1)", { event: "assigned", prover: "0xprover", price: 50_000_000_000_000_000n });
  bidding.done("ignored: the step is finished", { event: "ignored" });
  const proving = p.start("proving: 0xprover (round 0)");
  proving.fail("prover 0xprover defaulted", { event: "defaulted", round: 0 });
  await assert.rejects(p.run("depositing 1 ETH", () => Promise.reject(new Error("insufficient funds\nmore detail")), () => ["never", { event: "never" }]), /insufficient funds/);
  p.start("settling on chain"); // left running: close() ends it
  await p.close();
}

class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 80;
  readonly rows = 24;
  chunks: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk.toString());
    cb();
  }
  /** What was written, escape sequences removed. */
  text(): string {
    // eslint-disable-next-line no-control-regex
    return this.chunks.join("").replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
  }
}

describe("progress (devnet start-up and task submit phases)", () => {
  it("the mode: json with --json, tty on a terminal, plain otherwise", () => {
    assert.equal(progressMode(true, { isTTY: true }), "json");
    assert.equal(progressMode(false, { isTTY: true }), "tty");
    assert.equal(progressMode(false, { isTTY: false }), "plain");
    assert.equal(progressMode(false, {}), "plain");
    assert.equal(progressMode(false, undefined), "plain");
  });

  it("plain: one line per finished step, update or failure that carries data, and event", async () => {
    const lines: string[] = [];
    await script(createProgress({ mode: "plain", line: (l) => lines.push(l) }));
    assert.deepEqual(lines, [
      "anvil http://127.0.0.1:8545 (pid 7)",
      "bidding: 2 sealed, 1 revealed",
      "task 1 0xabc published",
      "assigned to 0xprover at 0.05 ETH (max 0.1)",
      "prover 0xprover defaulted",
    ]);
  });

  it("json: one object per line, bigints as decimal strings", async () => {
    const lines: string[] = [];
    await script(createProgress({ mode: "json", line: (l) => lines.push(l) }));
    assert.deepEqual(lines, [
      '{"event":"anvil","rpcUrl":"http://127.0.0.1:8545","anvilPid":7}',
      '{"event":"bids","commits":2,"reveals":1}',
      '{"event":"published","taskId":"0xabc"}',
      '{"event":"assigned","prover":"0xprover","price":"50000000000000000"}',
      '{"event":"defaulted","round":0}',
    ]);
  });

  it("with a start time: plain lines start with the seconds since, JSON objects with t", () => {
    const since = Date.now() - 1500;
    const plain: string[] = [];
    const json: string[] = [];
    createProgress({ mode: "plain", line: (l) => plain.push(l), since }).event("task 1 verified", { event: "verified" });
    createProgress({ mode: "json", line: (l) => json.push(l), since }).event("task 1 verified", { event: "verified" });
    assert.match(plain[0]!, /^\[ {3}1\.[5-9]s\] task 1 verified$/);
    const o = JSON.parse(json[0]!) as { t: number; event: string };
    assert.deepEqual(Object.keys(o), ["t", "event"]);
    assert.ok(o.t >= 1.5 && o.t < 10, String(o.t));
  });

  it("tty mode without a terminal writes lines like plain", async () => {
    const lines: string[] = [];
    const p = createProgress({ mode: "tty", line: (l) => lines.push(l) });
    assert.equal(p.mode, "plain");
    p.event("x", { event: "x" });
    await p.close();
    assert.deepEqual(lines, ["x"]);
  });

  it("tty: draws each step on the terminal, ends with the finished texts, and leaves no timer", async () => {
    const term = new FakeTerminal();
    const lines: string[] = [];
    const p = createProgress({ mode: "tty", line: (l) => lines.push(l), terminal: term as unknown as NodeJS.WriteStream });
    assert.equal(p.mode, "tty");
    await script(p);
    assert.deepEqual(lines, [], "nothing goes to the line sink on a terminal");
    const out = term.text();
    for (const text of ["anvil http://127.0.0.1:8545 (pid 7)", "task 1 0xabc published", "assigned to 0xprover at 0.05 ETH (max 0.1)",
      "prover 0xprover defaulted", "depositing 1 ETH: insufficient funds", "settling on chain"]) {
      assert.ok(out.includes(text), `${JSON.stringify(text)} in the terminal output:\n${out}`);
    }
    assert.ok(!out.includes("ignored"), "a finished step is not changed");
    assert.ok(!out.includes("more detail"), "a failed step shows the first line of the error");
    assert.ok(out.indexOf("anvil http") < out.indexOf("task 1 0xabc published"), "event lines follow the step that ran before them");
    // the spinner stopped: nothing more is drawn
    const written = term.chunks.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(term.chunks.length, written);
    // (no interval is left either: mocha runs without --exit, so a leaked spinner timer would hang the run)
  });
});
