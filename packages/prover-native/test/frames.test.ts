import { strict as assert } from "node:assert";
import { encodeFrame, FrameDecoder } from "../src/frames.js";

describe("sidecar framing", () => {
  it("decodes frames split at every byte boundary and glued together", () => {
    const a = encodeFrame({ id: "1", op: "info" });
    const b = encodeFrame({ id: "2", op: "prove", sha256: "ab" }, new Uint8Array([1, 2, 3, 250]));
    const all = Buffer.concat([a, b]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new FrameDecoder();
      const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      assert.equal(frames.length, 2);
      assert.deepEqual(frames[0]!.json, { id: "1", op: "info" });
      assert.equal(frames[0]!.payload.length, 0);
      assert.deepEqual(frames[1]!.json, { id: "2", op: "prove", sha256: "ab" });
      assert.deepEqual([...frames[1]!.payload], [1, 2, 3, 250]);
    }
  });

  it("rejects a frame whose JSON length exceeds the frame", () => {
    const bad = Buffer.alloc(12);
    bad.writeUInt32LE(8, 0);
    bad.writeUInt32LE(100, 4);
    assert.throws(() => new FrameDecoder().push(bad), /bad JSON length/);
  });
});
