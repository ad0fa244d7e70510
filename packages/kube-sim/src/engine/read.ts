// GET and LIST: selectors, namespaces, limit/continue.
import { badRequest } from '../errors.ts';
import { matches, type Selector } from '../selectors.ts';
import type { KubeObject } from '../types.ts';
import type { OpContext } from './context.ts';

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof parsed.start !== 'string' || typeof parsed.rv !== 'number') throw new Error('shape');
    return parsed;
  } catch {
    throw badRequest(`continue key is not valid: ${token}`);
  }
}

export function listObjects(
  ctx: OpContext,
  namespace: string | undefined,
  sel: Selector,
  limit: number | undefined,
  cont: string | undefined,
): ListResult {
  const store = ctx.cluster.store;
  const all = store.list(ctx.def.storageKey, ctx.def.namespaced ? namespace : undefined);
  let items = all.filter((o) => matches(sel, o));
  let rv = store.currentRv();
  if (cont) {
    const token = decodeContinue(cont);
    rv = token.rv;
    items = items.filter((o) => keyOf(o) > token.start);
  }
  const out: ListResult = { items, resourceVersion: String(rv) };
  if (limit && limit > 0 && items.length > limit) {
    out.items = items.slice(0, limit);
    const last = out.items[out.items.length - 1];
    if (last) {
      const token: ContinueToken = { rv, start: keyOf(last) };
      out.continue = Buffer.from(JSON.stringify(token)).toString('base64url');
      out.remainingItemCount = items.length - limit;
    }
  }
  return out;
}
