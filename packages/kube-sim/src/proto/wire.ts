// Protocol-buffers wire format: just enough to read what Kubernetes clients send.

export interface WireField {
  field: number;
  wireType: number;
  /** varint (as bigint), fixed (as Buffer) or length-delimited bytes. */
  value: bigint | Buffer;
}

export class ProtoError extends Error {
  override readonly name = 'ProtoError';
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length; i++) {
    const b = buf[i] ?? 0;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, i + 1];
    shift += 7n;
    if (shift > 70n) break;
  }
  throw new ProtoError('malformed varint');
}

export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    switch (wireType) {
      case 0: {
        const [v, next] = readVarint(buf, pos);
        out.push({ field, wireType, value: v });
        pos = next;
        break;
      }
      case 1:
        out.push({ field, wireType, value: buf.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 2: {
        const [len, next] = readVarint(buf, pos);
        const end = next + Number(len);
        if (end > buf.length) throw new ProtoError('truncated length-delimited field');
        out.push({ field, wireType, value: buf.subarray(next, end) });
        pos = end;
        break;
      }
      case 5:
        out.push({ field, wireType, value: buf.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wireType}`);
    }
  }
  if (pos !== buf.length) throw new ProtoError('truncated message');
  return out;
}

/** Signed 64-bit from a varint (two's complement). */
export function toInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** A generic dump (field numbers only), for diagnosing messages without a schema. */
export function dump(buf: Buffer, depth = 0): unknown {
  try {
    const fields = readFields(buf);
    return fields.map((f) => {
      if (typeof f.value === 'bigint') return [f.field, toInt(f.value)];
      if (f.wireType !== 2) return [f.field, f.value.toString('hex')];
      const text = f.value.toString('utf8');
      const printable = /^[\x20-\x7e\n\t]*$/.test(text);
      if (depth < 12 && f.value.length > 0) {
        try {
          const nested = dump(f.value, depth + 1);
          if (!printable || text.length === 0) return [f.field, nested];
          return [f.field, { text, nested }];
        } catch {
          // not a message
        }
      }
      return [f.field, printable ? text : f.value.toString('base64')];
    });
  } catch {
    return buf.toString('base64');
  }
}
