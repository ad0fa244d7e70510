// Decodes the Kubernetes protobuf envelope ("k8s\0" + runtime.Unknown) into the JSON object the
// same request would have carried as application/json.
import { rfc3339 } from '../util.ts';
import { KINDS, MESSAGES, type Scalar } from './schema.ts';
import { ProtoError, readFields, toInt, type WireField } from './wire.ts';

const MAGIC = Buffer.from('k8s\0', 'latin1');

function str(v: WireField['value']): string {
  return typeof v === 'bigint' ? String(v) : v.toString('utf8');
}

function bytesOf(v: WireField['value']): Buffer {
  if (typeof v === 'bigint') throw new ProtoError('expected a length-delimited field');
  return v;
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false || v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function mapEntries(buf: Buffer, value: (f: WireField) => unknown): [string, unknown] {
  let key = '';
  let val: unknown = '';
  for (const f of readFields(buf)) {
    if (f.field === 1) key = str(f.value);
    else if (f.field === 2) val = value(f);
  }
  return [key, val];
}

function scalar(type: Scalar, f: WireField): unknown {
  switch (type) {
    case 's':
      return str(f.value);
    case 'b':
      return bytesOf(f.value).toString('base64');
    case 'i':
      return typeof f.value === 'bigint' ? toInt(f.value) : 0;
    case 'bool':
      return typeof f.value === 'bigint' ? f.value !== 0n : false;
    case 'time': {
      let seconds = 0;
      for (const t of readFields(bytesOf(f.value)))
        if (t.field === 1 && typeof t.value === 'bigint') seconds = toInt(t.value);
      return seconds === 0 ? undefined : rfc3339(seconds * 1000);
    }
    case 'qty': {
      const q = readFields(bytesOf(f.value)).find((x) => x.field === 1);
      return q ? str(q.value) : '';
    }
    case 'ios': {
      let kind = 0;
      let intVal = 0;
      let strVal = '';
      for (const x of readFields(bytesOf(f.value))) {
        if (x.field === 1 && typeof x.value === 'bigint') kind = toInt(x.value);
        if (x.field === 2 && typeof x.value === 'bigint') intVal = toInt(x.value);
        if (x.field === 3) strVal = str(x.value);
      }
      return kind === 1 ? strVal : intVal;
    }
    default:
      throw new ProtoError(`map type ${type} outside a map field`);
  }
}

export function decodeMessage(name: string, buf: Buffer): Record<string, unknown> {
  const schema = MESSAGES.get(name);
  if (!schema) throw new ProtoError(`no protobuf schema for ${name}`);
  const out: Record<string, unknown> = {};
  const present = new Set<string>();
  for (const f of readFields(buf)) {
    const def = schema.get(f.field);
    if (!def) {
      // Generated code writes every non-pointer field; unknown ones are harmless while empty.
      const empty =
        typeof f.value === 'bigint' ? f.value === 0n : f.value.length === 0 || emptyMessage(f.value);
      if (!empty) throw new ProtoError(`unsupported field ${f.field} of ${name}`);
      continue;
    }
    let value: unknown;
    if (typeof def.type === 'object') value = decodeMessage(def.type.message, bytesOf(f.value));
    else if (def.type === 'map' || def.type === 'mapb' || def.type === 'mapq') {
      const inner: Scalar = def.type === 'map' ? 's' : def.type === 'mapb' ? 'b' : 'qty';
      const [k, v] = mapEntries(bytesOf(f.value), (e) => scalar(inner, e));
      const m = (out[def.name] as Record<string, unknown> | undefined) ?? {};
      m[k] = v;
      out[def.name] = m;
      present.add(def.name);
      continue;
    } else value = scalar(def.type, f);
    if (def.inline && value && typeof value === 'object') {
      Object.assign(out, value);
      continue;
    }
    if (def.repeated) {
      const list = (out[def.name] as unknown[] | undefined) ?? [];
      list.push(value);
      out[def.name] = list;
    } else out[def.name] = value;
    if (def.pointer) present.add(def.name);
  }
  // JSON omits empty non-pointer fields (omitempty); pointers keep what was sent.
  for (const [key, value] of Object.entries(out)) {
    if (!present.has(key) && isZero(value)) delete out[key];
  }
  return out;
}

function emptyMessage(buf: Buffer): boolean {
  try {
    return readFields(buf).every((f) =>
      typeof f.value === 'bigint' ? f.value === 0n : f.value.length === 0 || emptyMessage(f.value),
    );
  } catch {
    return false;
  }
}

export function isProtobufEnvelope(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/** The JSON object of a protobuf-encoded request body. */
export function decodeEnvelope(body: Buffer): Record<string, unknown> {
  if (!isProtobufEnvelope(body)) throw new ProtoError('missing the k8s protobuf prefix');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of readFields(body.subarray(4))) {
    if (f.field === 1) {
      for (const t of readFields(bytesOf(f.value))) {
        if (t.field === 1) apiVersion = str(t.value);
        if (t.field === 2) kind = str(t.value);
      }
    } else if (f.field === 2) raw = bytesOf(f.value);
  }
  const message = KINDS[`${apiVersion}/${kind}`];
  if (!message) throw new ProtoError(`protobuf is not supported for ${apiVersion}, Kind=${kind}; send JSON`);
  return { apiVersion, kind, ...decodeMessage(message, raw) };
}
