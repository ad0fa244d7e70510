/** Who caused a change. Every audit event names one. */
export interface Actor {
  type: 'token' | 'webhook' | 'agent' | 'worker' | 'system';
  /** API token name, GitHub sender login, agent id, worker id. */
  name: string;
}
