// Conditions that keep their timestamps while nothing about them changes, as controllers do.
import { isRecord, rfc3339 } from '../util.ts';

export interface CondSpec {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** Epoch ms at which this state began, used when the condition is new or changed. */
  at: number;
}

type Style = 'deployment' | 'job' | 'plain';

function previous(prev: unknown, type: string): Record<string, unknown> | undefined {
  if (!isRecord(prev) || !Array.isArray(prev.conditions)) return undefined;
  return prev.conditions.find((c): c is Record<string, unknown> => isRecord(c) && c.type === type);
}

export function conditions(prevStatus: unknown, specs: CondSpec[], style: Style): Record<string, unknown>[] {
  return specs.map((s) => {
    const old = previous(prevStatus, s.type);
    const sameStatus = old?.status === s.status;
    const sameAll = sameStatus && old?.reason === s.reason && old?.message === s.message;
    const transition =
      sameStatus && typeof old?.lastTransitionTime === 'string' ? old.lastTransitionTime : rfc3339(s.at);
    const out: Record<string, unknown> = { type: s.type, status: s.status };
    if (style === 'deployment') {
      out.lastUpdateTime =
        sameAll && typeof old?.lastUpdateTime === 'string' ? old.lastUpdateTime : rfc3339(s.at);
    }
    if (style === 'job') {
      out.lastProbeTime =
        sameAll && typeof old?.lastProbeTime === 'string' ? old.lastProbeTime : rfc3339(s.at);
    }
    out.lastTransitionTime = transition;
    out.reason = s.reason;
    out.message = s.message;
    return out;
  });
}

/** The earliest of the future instants, if any. */
export function nextAfter(now: number, ...times: Array<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const t of times) if (t !== undefined && t > now && (best === undefined || t < best)) best = t;
  return best;
}

export function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Drops zero counters, as omitempty int32 fields are absent from real statuses. */
export function omitZero(status: Record<string, unknown>, keep: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === 0 && !keep.includes(k)) continue;
    if (v === undefined) continue;
    out[k] = v;
  }
  return out;
}
