// Environment parsing, done once at boot into a typed object. Every problem is reported
// together so an operator fixes the whole config in one go.

export interface EnvVar<T> {
  parse(raw: string | undefined, name: string): T;
  readonly description: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface Opts<T> {
  default?: T;
  description?: string;
}

function required<T>(raw: string | undefined, name: string, opts: Opts<T>, convert: (v: string) => T): T {
  if (raw === undefined || raw === '') {
    if (opts.default !== undefined) return opts.default;
    throw new Error(`${name} is required${opts.description ? ` (${opts.description})` : ''}`);
  }
  return convert(raw);
}

export const env = {
  string(opts: Opts<string> & { minLength?: number } = {}): EnvVar<string> {
    return {
      description: opts.description ?? '',
      parse: (raw, name) =>
        required(raw, name, opts, (v) => {
          if (opts.minLength !== undefined && v.length < opts.minLength) {
            throw new Error(`${name} must be at least ${opts.minLength} characters`);
          }
          return v;
        }),
    };
  },
  optionalString(opts: { description?: string } = {}): EnvVar<string | undefined> {
    return { description: opts.description ?? '', parse: (raw) => (raw === '' ? undefined : raw) };
  },
  int(opts: Opts<number> & { min?: number; max?: number } = {}): EnvVar<number> {
    return {
      description: opts.description ?? '',
      parse: (raw, name) =>
        required(raw, name, opts, (v) => {
          const n = Number(v);
          if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${v}"`);
          if (opts.min !== undefined && n < opts.min) throw new Error(`${name} must be >= ${opts.min}`);
          if (opts.max !== undefined && n > opts.max) throw new Error(`${name} must be <= ${opts.max}`);
          return n;
        }),
    };
  },
  url(opts: Opts<string> & { protocols: string[] }): EnvVar<string> {
    return {
      description: opts.description ?? '',
      parse: (raw, name) =>
        required(raw, name, opts, (v) => {
          let u: URL;
          try {
            u = new URL(v);
          } catch {
            throw new Error(`${name} is not a valid URL`);
          }
          if (!opts.protocols.includes(u.protocol)) {
            throw new Error(`${name} must use ${opts.protocols.join(' or ')}, got ${u.protocol}`);
          }
          return v;
        }),
    };
  },
  enumOf<const T extends string>(values: readonly T[], opts: Opts<T> = {}): EnvVar<T> {
    return {
      description: opts.description ?? '',
      parse: (raw, name) =>
        required(raw, name, opts, (v) => {
          if (!(values as readonly string[]).includes(v)) {
            throw new Error(`${name} must be one of ${values.join(', ')}, got "${v}"`);
          }
          return v as T;
        }),
    };
  },
};

export type ConfigOf<S extends Record<string, EnvVar<unknown>>> = {
  [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never;
};

export function loadConfig<S extends Record<string, EnvVar<unknown>>>(
  spec: S,
  source: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    try {
      out[name] = variable.parse(source[name], name);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}
