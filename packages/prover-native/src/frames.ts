/**
 * Framing of the sidecar protocol (see PROTOCOL.md): every message is
 *   u32 LE total length (of what follows) | u32 LE JSON length | UTF-8 JSON object | optional binary payload
 */

export interface Frame {
  json: Record<string, unknown>;
  payload: Uint8Array;
}

export const MAX_FRAME_BYTES = 1 << 30;

export function encodeFrame(json: Record<string, unknown>, payload?: Uint8Array): Buffer {
  const body = Buffer.from(JSON.stringify(json), "utf8");
  const payloadLength = payload?.byteLength ?? 0;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(4 + body.length + payloadLength, 0);
  head.writeUInt32LE(body.length, 4);
  return payload !== undefined && payloadLength > 0
    ? Buffer.concat([head, body, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)])
    : Buffer.concat([head, body]);
}

/** Incremental decoder: feed stdout chunks, get whole frames. Throws on a malformed frame. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffer.length < 4) break;
      const total = this.buffer.readUInt32LE(0);
      if (total < 4 || total > MAX_FRAME_BYTES) throw new Error(`bad frame length ${total}`);
      if (this.buffer.length < 4 + total) break;
      const jsonLength = this.buffer.readUInt32LE(4);
      if (jsonLength > total - 4) throw new Error(`bad JSON length ${jsonLength}`);
      const text = this.buffer.subarray(8, 8 + jsonLength).toString("utf8");
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("frame JSON is not an object");
      }
      frames.push({
        json: parsed as Record<string, unknown>,
        payload: new Uint8Array(this.buffer.subarray(8 + jsonLength, 4 + total)),
      });
      this.buffer = this.buffer.subarray(4 + total);
    }
    return frames;
  }
}
