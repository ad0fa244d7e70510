import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { JobCatalog, JobName, JobPayload } from './catalog.ts';
import type { PayloadIssue } from './errors.ts';

const compiled = new WeakMap<TSchema, Validator>();

function validatorFor(schema: TSchema): Validator {
  let v = compiled.get(schema);
  if (!v) {
    v = Compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

export type Validation<N extends JobName> =
  | { ok: true; payload: JobPayload<N> }
  | { ok: false; issues: PayloadIssue[]; unsupportedVersion?: unknown };

export function validatePayload<N extends JobName>(
  catalog: JobCatalog,
  name: N,
  data: unknown,
): Validation<N> {
  const def = catalog[name];
  const validator = validatorFor(def.schema);
  if (validator.Check(data)) return { ok: true, payload: data as JobPayload<N> };
  const version = typeof data === 'object' && data !== null ? (data as { v?: unknown }).v : undefined;
  if (version !== def.version) {
    return {
      ok: false,
      unsupportedVersion: version,
      issues: [
        { path: '/v', message: `unsupported payload version ${String(version)}, expected ${def.version}` },
      ],
    };
  }
  const issues = validator.Errors(data).map((e) => ({ path: e.instancePath, message: e.message }));
  return { ok: false, issues };
}
