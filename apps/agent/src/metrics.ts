// The agent's counters, rendered in the Prometheus text format by the health endpoint.

export type ErrorKind =
  | 'unreachable'
  | 'unauthorized'
  | 'bundle_rejected'
  | 'apply'
  | 'lease_lost'
  | 'report'
  | 'internal';

export interface Metrics {
  claim(): void;
  result(status: 'succeeded' | 'failed'): void;
  error(kind: ErrorKind): void;
  setConnected(up: boolean): void;
  connected(): boolean;
  setRunning(n: number): void;
  render(): string;
  snapshot(): { claims: number; results: Record<string, number>; errors: Record<string, number> };
}

export function createMetrics(): Metrics {
  let claims = 0;
  let connected = 0;
  let running = 0;
  const results: Record<string, number> = { succeeded: 0, failed: 0 };
  const errors: Record<string, number> = {};
  return {
    claim() {
      claims++;
    },
    result(status) {
      results[status] = (results[status] ?? 0) + 1;
    },
    error(kind) {
      errors[kind] = (errors[kind] ?? 0) + 1;
    },
    setConnected(up) {
      connected = up ? 1 : 0;
    },
    setRunning(n) {
      running = n;
    },
    connected: () => connected === 1,
    snapshot: () => ({ claims, results: { ...results }, errors: { ...errors } }),
    render() {
      const mem = process.memoryUsage();
      const lines = [
        '# HELP tether_agent_claims_total Jobs claimed from the control plane.',
        '# TYPE tether_agent_claims_total counter',
        `tether_agent_claims_total ${claims}`,
        '# HELP tether_agent_results_total Results reported, by status.',
        '# TYPE tether_agent_results_total counter',
        ...Object.entries(results).map(([s, n]) => `tether_agent_results_total{status="${s}"} ${n}`),
        '# HELP tether_agent_errors_total Errors, by kind.',
        '# TYPE tether_agent_errors_total counter',
        ...Object.entries(errors).map(([k, n]) => `tether_agent_errors_total{kind="${k}"} ${n}`),
        '# HELP tether_agent_connected 1 while the last call to the control plane succeeded.',
        '# TYPE tether_agent_connected gauge',
        `tether_agent_connected ${connected}`,
        '# HELP tether_agent_jobs_running Jobs being applied now.',
        '# TYPE tether_agent_jobs_running gauge',
        `tether_agent_jobs_running ${running}`,
        '# HELP process_resident_memory_bytes Resident memory size in bytes.',
        '# TYPE process_resident_memory_bytes gauge',
        `process_resident_memory_bytes ${mem.rss}`,
        '# HELP nodejs_heap_size_used_bytes V8 heap used in bytes.',
        '# TYPE nodejs_heap_size_used_bytes gauge',
        `nodejs_heap_size_used_bytes ${mem.heapUsed}`,
        '# HELP nodejs_heap_size_total_bytes V8 heap allocated in bytes.',
        '# TYPE nodejs_heap_size_total_bytes gauge',
        `nodejs_heap_size_total_bytes ${mem.heapTotal}`,
        '# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JavaScript, in bytes.',
        '# TYPE nodejs_external_memory_bytes gauge',
        `nodejs_external_memory_bytes ${mem.external}`,
        '# HELP process_uptime_seconds Seconds since the process started.',
        '# TYPE process_uptime_seconds gauge',
        `process_uptime_seconds ${process.uptime().toFixed(3)}`,
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
