import { randomBytes } from 'node:crypto';

// Prefixed ids ("dep_3k9x...") read well in logs and say what they name.
export const ID_PREFIXES = {
  cluster: 'clu',
  application: 'app',
  destination: 'dst',
  deployment: 'dep',
  target: 'tgt',
  delivery: 'whd',
  audit: 'aud',
  token: 'tok',
  agent: 'agt',
  bootstrap: 'bst',
  request: 'req',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A sortable id: 10 chars of millisecond time, 14 random chars (Crockford base32). */
export function newId(kind: IdKind, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(14);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

export function idKindOf(id: string): IdKind | undefined {
  const prefix = id.split('_', 1)[0];
  return (Object.keys(ID_PREFIXES) as IdKind[]).find((k) => ID_PREFIXES[k] === prefix);
}
