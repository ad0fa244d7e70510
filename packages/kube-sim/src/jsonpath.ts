// The small JSONPath subset CRD additionalPrinterColumns use: `.a.b`, `.a[0]`, `.a[*].b` and
// filters such as `.status.conditions[?(@.type=="Ready")].status`.
import { isRecord } from './util.ts';

type Step =
  | { field: string }
  | { index: number }
  | { all: true }
  | { filter: { path: string[]; value: string } };

function parse(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([\w.]+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\]/g;
  let m: RegExpExecArray | null = re.exec(path);
  while (m !== null) {
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { path: m[3].split('.'), value: m[4] ?? m[5] ?? '' } });
    else steps.push({ all: true });
    m = re.exec(path);
  }
  return steps;
}

function dig(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const p of path) cur = isRecord(cur) ? cur[p] : undefined;
  return cur;
}

/** Every value the path selects (empty when nothing matches). */
export function evaluate(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const step of parse(path.replace(/^\{|\}$/g, ''))) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('field' in step) {
        if (isRecord(v) && v[step.field] !== undefined) next.push(v[step.field]);
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isRecord(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) if (String(dig(item, step.filter.path)) === step.filter.value) next.push(item);
      }
    }
    current = next;
  }
  return current;
}
