// Server-side printing (meta.k8s.io/v1 Table), which `kubectl get` asks for: the columns of
// the apiserver's printers for common kinds, NAME/AGE for the rest.
import { acceptRanges } from '../http/io.ts';
import { evaluate } from '../jsonpath.ts';
import type { ResourceDef } from '../registry.ts';
import type { KubeObject } from '../types.ts';
import { getPath, isRecord } from '../util.ts';

export function wantsTable(accept: string | undefined): boolean {
  const first = acceptRanges(accept)[0];
  return first?.params.as === 'Table' && first.params.g === 'meta.k8s.io';
}

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y${d % 365}d`;
}

type Cell = string | number;
interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: KubeObject, now: number) => Cell;
}

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
const s = (v: unknown, fallback = '<none>'): string => (typeof v === 'string' && v !== '' ? v : fallback);
const age: Column = {
  name: 'Age',
  type: 'string',
  cell: (o, now) => {
    const t = Date.parse(o.metadata.creationTimestamp ?? '');
    return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
  },
};
const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };

function ports(o: KubeObject): string {
  const list = getPath(o, 'spec.ports');
  if (!Array.isArray(list) || list.length === 0) return '<none>';
  return list
    .filter(isRecord)
    .map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${s(p.protocol, 'TCP')}`)
    .join(',');
}

function selectorText(sel: unknown): string {
  if (!isRecord(sel) || Object.keys(sel).length === 0) return '<none>';
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

function containerField(o: KubeObject, field: 'name' | 'image'): string {
  const list = getPath(o, 'spec.template.spec.containers');
  return Array.isArray(list) ? list.map((c) => (isRecord(c) ? String(c[field] ?? '') : '')).join(',') : '';
}

function podReady(o: KubeObject): string {
  const containers = getPath(o, 'spec.containers');
  const statuses = getPath(o, 'status.containerStatuses');
  const total = Array.isArray(containers) ? containers.length : 0;
  const ready = Array.isArray(statuses) ? statuses.filter((c) => isRecord(c) && c.ready === true).length : 0;
  return `${ready}/${total}`;
}

function podStatus(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  const statuses = getPath(o, 'status.containerStatuses');
  if (Array.isArray(statuses)) {
    for (const c of statuses) {
      const reason = isRecord(c)
        ? (getPath(c, 'state.waiting.reason') ?? getPath(c, 'state.terminated.reason'))
        : undefined;
      if (typeof reason === 'string') return reason;
    }
  }
  return s(getPath(o, 'status.phase'), 'Pending');
}

function jobStatus(o: KubeObject): string {
  const conds = getPath(o, 'status.conditions');
  if (Array.isArray(conds)) {
    for (const c of conds) {
      if (isRecord(c) && c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed')) return c.type;
      if (isRecord(c) && c.status === 'True' && c.type === 'Suspended') return 'Suspended';
    }
  }
  return 'Running';
}

const COLUMNS: Record<string, Column[]> = {
  '/Namespace': [
    name,
    { name: 'Status', type: 'string', cell: (o) => s(getPath(o, 'status.phase'), 'Active') },
    age,
  ],
  '/ConfigMap': [
    name,
    {
      name: 'Data',
      type: 'integer',
      cell: (o) =>
        Object.keys(isRecord(o.data) ? o.data : {}).length +
        Object.keys(isRecord(o.binaryData) ? o.binaryData : {}).length,
    },
    age,
  ],
  '/Secret': [
    name,
    { name: 'Type', type: 'string', cell: (o) => s(o.type, 'Opaque') },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(isRecord(o.data) ? o.data : {}).length },
    age,
  ],
  '/Service': [
    name,
    { name: 'Type', type: 'string', cell: (o) => s(getPath(o, 'spec.type'), 'ClusterIP') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => s(getPath(o, 'spec.clusterIP')) },
    {
      name: 'External-IP',
      type: 'string',
      cell: (o) => {
        const ingress = getPath(o, 'status.loadBalancer.ingress');
        if (Array.isArray(ingress) && ingress.length > 0) {
          return ingress.map((i) => (isRecord(i) ? s(i.ip ?? i.hostname, '') : '')).join(',');
        }
        return getPath(o, 'spec.type') === 'LoadBalancer' ? '<pending>' : '<none>';
      },
    },
    { name: 'Port(s)', type: 'string', cell: ports },
    age,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selectorText(getPath(o, 'spec.selector')) },
  ],
  '/Node': [
    name,
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const conds = getPath(o, 'status.conditions');
        const ready =
          Array.isArray(conds) && conds.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
        return ready ? 'Ready' : 'NotReady';
      },
    },
    {
      name: 'Roles',
      type: 'string',
      cell: (o) => {
        const roles = Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length));
        return roles.length ? roles.join(',') : '<none>';
      },
    },
    age,
    { name: 'Version', type: 'string', cell: (o) => s(getPath(o, 'status.nodeInfo.kubeletVersion'), '') },
  ],
  '/Pod': [
    name,
    { name: 'Ready', type: 'string', cell: podReady },
    { name: 'Status', type: 'string', cell: podStatus },
    { name: 'Restarts', type: 'string', cell: () => '0' },
    age,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => s(getPath(o, 'status.podIP')) },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => s(getPath(o, 'spec.nodeName')) },
  ],
  'apps/Deployment': [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${n(getPath(o, 'status.readyReplicas'))}/${n(getPath(o, 'spec.replicas'))}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o) => n(getPath(o, 'status.updatedReplicas')) },
    { name: 'Available', type: 'integer', cell: (o) => n(getPath(o, 'status.availableReplicas')) },
    age,
    { name: 'Containers', type: 'string', priority: 1, cell: (o) => containerField(o, 'name') },
    { name: 'Images', type: 'string', priority: 1, cell: (o) => containerField(o, 'image') },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: (o) => selectorText(getPath(o, 'spec.selector.matchLabels')),
    },
  ],
  'apps/StatefulSet': [
    name,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${n(getPath(o, 'status.readyReplicas'))}/${n(getPath(o, 'spec.replicas'))}`,
    },
    age,
  ],
  'apps/ReplicaSet': [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => n(getPath(o, 'spec.replicas')) },
    { name: 'Current', type: 'integer', cell: (o) => n(getPath(o, 'status.replicas')) },
    { name: 'Ready', type: 'integer', cell: (o) => n(getPath(o, 'status.readyReplicas')) },
    age,
  ],
  'apps/DaemonSet': [
    name,
    { name: 'Desired', type: 'integer', cell: (o) => n(getPath(o, 'status.desiredNumberScheduled')) },
    { name: 'Current', type: 'integer', cell: (o) => n(getPath(o, 'status.currentNumberScheduled')) },
    { name: 'Ready', type: 'integer', cell: (o) => n(getPath(o, 'status.numberReady')) },
    { name: 'Up-to-date', type: 'integer', cell: (o) => n(getPath(o, 'status.updatedNumberScheduled')) },
    { name: 'Available', type: 'integer', cell: (o) => n(getPath(o, 'status.numberAvailable')) },
    age,
  ],
  'batch/Job': [
    name,
    { name: 'Status', type: 'string', cell: jobStatus },
    {
      name: 'Completions',
      type: 'string',
      cell: (o) => `${n(getPath(o, 'status.succeeded'))}/${n(getPath(o, 'spec.completions')) || 1}`,
    },
    age,
  ],
  'batch/CronJob': [
    name,
    { name: 'Schedule', type: 'string', cell: (o) => s(getPath(o, 'spec.schedule')) },
    {
      name: 'Suspend',
      type: 'boolean',
      cell: (o) => String(getPath(o, 'spec.suspend') === true ? 'True' : 'False'),
    },
    {
      name: 'Active',
      type: 'integer',
      cell: (o) =>
        Array.isArray(getPath(o, 'status.active')) ? (getPath(o, 'status.active') as unknown[]).length : 0,
    },
    age,
  ],
  'networking.k8s.io/Ingress': [
    name,
    { name: 'Class', type: 'string', cell: (o) => s(getPath(o, 'spec.ingressClassName')) },
    {
      name: 'Hosts',
      type: 'string',
      cell: (o) => {
        const rules = getPath(o, 'spec.rules');
        const hosts = Array.isArray(rules) ? rules.filter(isRecord).map((r) => s(r.host, '*')) : [];
        return hosts.length ? hosts.join(',') : '*';
      },
    },
    { name: 'Address', type: 'string', cell: () => '' },
    { name: 'Ports', type: 'string', cell: (o) => (getPath(o, 'spec.tls') ? '80, 443' : '80') },
    age,
  ],
  '/PersistentVolumeClaim': [
    name,
    { name: 'Status', type: 'string', cell: (o) => s(getPath(o, 'status.phase'), 'Pending') },
    { name: 'Capacity', type: 'string', cell: (o) => s(getPath(o, 'status.capacity.storage'), '') },
    age,
  ],
};

/** A custom resource's additionalPrinterColumns, after the apiextensions table convertor. */
function printerColumns(def: ResourceDef): Column[] {
  const cols = def.printerColumns ?? [];
  if (cols.length === 0) return [name, age];
  return [
    name,
    ...cols.map(
      (c): Column => ({
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        priority: c.priority ?? 0,
        cell: (o, now) => {
          const values = evaluate(o, c.jsonPath);
          if (values.length === 0) return '<none>';
          if (c.type === 'date') {
            const t = Date.parse(String(values[0]));
            return Number.isNaN(t) ? String(values[0]) : humanDuration(now - t);
          }
          return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
        },
      }),
    ),
  ];
}

function columnsFor(def: ResourceDef): Column[] {
  if (def.crd) return printerColumns(def);
  return COLUMNS[`${def.group}/${def.kind}`] ?? [name, age];
}

export function renderTable(
  def: ResourceDef,
  objects: KubeObject[],
  metadata: Record<string, unknown> | undefined,
  query: URLSearchParams,
): unknown {
  const cols = columnsFor(def);
  const now = Date.now();
  const include = query.get('includeObject') ?? 'Metadata';
  const rows = objects.map((o) => {
    const row: Record<string, unknown> = { cells: cols.map((c) => c.cell(o, now)) };
    if (include === 'Object') row.object = o;
    else if (include !== 'None') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
    }
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: metadata ?? {},
    columnDefinitions: cols.map((c) => {
      const d: Record<string, unknown> = {
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: '',
        priority: c.priority ?? 0,
      };
      return d;
    }),
    rows,
  };
}
