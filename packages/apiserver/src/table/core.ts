// Printers of core/v1 objects other than pods and replication controllers.
import type {
  ConfigMap,
  Endpoints,
  Event,
  KubeObject,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from '@kubemu/api';
import { ageColumn, col, doc, nameColumn } from './columns';
import { accessModes, formatLabels, parseTime, quantityString, since, storageClass } from './format';
import type { Printer } from './types';

/** The external addresses of a service, as getServiceExternalIP prints them for -o wide. */
function externalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((a) => a !== ''))];
      if (external.length > 0) return [...lb, ...external].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function ports(svc: Service): string {
  const list = (svc.spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`));
  return list.length > 0 ? list.join(',') : '<none>';
}

const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'string', doc('core.v1.ServiceSpec', 'type')),
    col('Cluster-IP', 'string', doc('core.v1.ServiceSpec', 'clusterIP')),
    col('External-IP', 'string', doc('core.v1.ServiceSpec', 'externalIPs')),
    col('Port(s)', 'string', doc('core.v1.ServiceSpec', 'ports')),
    ageColumn(),
    col('Selector', 'string', doc('core.v1.ServiceSpec', 'selector'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const svc = obj as Service;
    return {
      cells: [
        svc.metadata?.name ?? '',
        svc.spec?.type ?? '',
        svc.spec?.clusterIPs?.[0] ?? '<none>',
        externalIP(svc),
        ports(svc),
        since(svc.metadata?.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ],
    };
  },
};

const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** formatEndpoints: up to three addresses (ip:port per port), then "+ N more...". */
function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const pairs: [string, number | undefined][] = (ss.ports ?? []).length === 0 ? addrs.map((a) => [a.ip, undefined]) : (ss.ports ?? []).flatMap((p) => addrs.map((a): [string, number | undefined] => [a.ip, p.port]));
    count += pairs.length;
    for (const [ip, port] of pairs) {
      if (list.length === max) {
        more = true;
        break;
      }
      list.push(port === undefined ? ip : joinHostPort(ip, port));
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

const endpointsPrinter: Printer = {
  columns: [nameColumn(), col('Endpoints', 'string', doc('core.v1.Endpoints', 'subsets')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const ep = obj as Endpoints;
    return { cells: [ep.metadata?.name ?? '', formatEndpoints(ep), since(ep.metadata?.creationTimestamp, now)] };
  },
};

const ROLE_PREFIX = 'node-role.kubernetes.io/';

function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  const status = ready === undefined ? ['Unknown'] : [ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size > 0 ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (node: Node, type: string): string => (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';

const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    col('Version', 'string', doc('core.v1.NodeSystemInfo', 'kubeletVersion')),
    col('Internal-IP', 'string', doc('core.v1.NodeStatus', 'addresses'), { priority: 1 }),
    col('External-IP', 'string', doc('core.v1.NodeStatus', 'addresses'), { priority: 1 }),
    col('OS-Image', 'string', doc('core.v1.NodeSystemInfo', 'osImage'), { priority: 1 }),
    col('Kernel-Version', 'string', doc('core.v1.NodeSystemInfo', 'kernelVersion'), { priority: 1 }),
    col('Container-Runtime', 'string', doc('core.v1.NodeSystemInfo', 'containerRuntimeVersion'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const node = obj as Node;
    const info = node.status?.nodeInfo;
    return {
      cells: [
        node.metadata?.name ?? '',
        nodeStatus(node),
        nodeRoles(node),
        since(node.metadata?.creationTimestamp, now),
        info?.kubeletVersion ?? '',
        nodeAddress(node, 'InternalIP'),
        nodeAddress(node, 'ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

const namespacePrinter: Printer = {
  columns: [nameColumn(), col('Status', 'string', 'The status of the namespace'), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const ns = obj as Namespace;
    return { cells: [ns.metadata?.name ?? '', ns.status?.phase ?? '', since(ns.metadata?.creationTimestamp, now)] };
  },
};

const configMapPrinter: Printer = {
  columns: [nameColumn(), col('Data', 'string', doc('core.v1.ConfigMap', 'data')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const cm = obj as ConfigMap;
    const n = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return { cells: [cm.metadata?.name ?? '', n, since(cm.metadata?.creationTimestamp, now)] };
  },
};

const secretPrinter: Printer = {
  columns: [nameColumn(), col('Type', 'string', doc('core.v1.Secret', 'type')), col('Data', 'string', doc('core.v1.Secret', 'data')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const s = obj as Secret;
    return { cells: [s.metadata?.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, since(s.metadata?.creationTimestamp, now)] };
  },
};

const serviceAccountPrinter: Printer = {
  columns: [nameColumn(), col('Secrets', 'string', doc('core.v1.ServiceAccount', 'secrets')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const sa = obj as ServiceAccount;
    return { cells: [sa.metadata?.name ?? '', sa.secrets?.length ?? 0, since(sa.metadata?.creationTimestamp, now)] };
  },
};

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', doc('core.v1.Event', 'lastTimestamp')),
    col('Type', 'string', doc('core.v1.Event', 'type')),
    col('Reason', 'string', doc('core.v1.Event', 'reason')),
    col('Object', 'string', doc('core.v1.Event', 'involvedObject')),
    col('Subobject', 'string', doc('core.v1.ObjectReference', 'fieldPath'), { priority: 1 }),
    col('Source', 'string', doc('core.v1.Event', 'source'), { priority: 1 }),
    col('Message', 'string', doc('core.v1.Event', 'message')),
    col('First Seen', 'string', doc('core.v1.Event', 'firstTimestamp'), { priority: 1 }),
    col('Count', 'string', doc('core.v1.Event', 'count'), { priority: 1 }),
    { ...nameColumn(), priority: 1 },
  ],
  row: (obj: KubeObject, now: Date) => {
    const ev = obj as Event;
    // Events of the events.k8s.io API carry eventTime and series instead of the first/last timestamps.
    const first = parseTime(ev.firstTimestamp) !== undefined ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    let last = parseTime(ev.lastTimestamp) !== undefined ? since(ev.lastTimestamp, now) : first;
    let count = ev.count ?? 0;
    if (ev.series) {
      last = since(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    const involved = ev.involvedObject ?? {};
    const target = involved.name ? `${(involved.kind ?? '').toLowerCase()}/${involved.name}` : (involved.kind ?? '').toLowerCase();
    const component = ev.source?.component || ev.reportingComponent || '';
    const host = ev.source?.host || ev.reportingInstance || '';
    return {
      cells: [last, ev.type ?? '', ev.reason ?? '', target, involved.fieldPath ?? '', host === '' ? component : `${component}, ${host}`, (ev.message ?? '').trim(), first, count, ev.metadata?.name ?? ''],
    };
  },
};

const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Capacity', 'string', doc('core.v1.PersistentVolumeSpec', 'capacity')),
    col('Access Modes', 'string', doc('core.v1.PersistentVolumeSpec', 'accessModes')),
    col('Reclaim Policy', 'string', doc('core.v1.PersistentVolumeSpec', 'persistentVolumeReclaimPolicy')),
    col('Status', 'string', doc('core.v1.PersistentVolumeStatus', 'phase')),
    col('Claim', 'string', doc('core.v1.PersistentVolumeSpec', 'claimRef')),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', doc('core.v1.PersistentVolumeStatus', 'reason')),
    ageColumn(),
    col('VolumeMode', 'string', doc('core.v1.PersistentVolumeSpec', 'volumeMode'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const pv = obj as PersistentVolume;
    const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
    const phase = parseTime(pv.metadata?.deletionTimestamp) !== undefined ? 'Terminating' : (pv.status?.phase ?? '');
    return {
      cells: [
        pv.metadata?.name ?? '',
        quantityString(pv.spec?.capacity?.storage),
        accessModes(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        storageClass(pv),
        pv.spec?.volumeAttributesClassName ?? '<unset>',
        pv.status?.reason ?? '',
        since(pv.metadata?.creationTimestamp, now),
        pv.spec?.volumeMode ?? '<unset>',
      ],
    };
  },
};

const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'string', doc('core.v1.PersistentVolumeClaimStatus', 'phase')),
    col('Volume', 'string', doc('core.v1.PersistentVolumeClaimSpec', 'volumeName')),
    col('Capacity', 'string', doc('core.v1.PersistentVolumeClaimStatus', 'capacity')),
    col('Access Modes', 'string', doc('core.v1.PersistentVolumeClaimStatus', 'accessModes')),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    col('VolumeMode', 'string', doc('core.v1.PersistentVolumeClaimSpec', 'volumeMode'), { priority: 1 }),
  ],
  row: (obj: KubeObject, now: Date) => {
    const pvc = obj as PersistentVolumeClaim;
    const phase = parseTime(pvc.metadata?.deletionTimestamp) !== undefined ? 'Terminating' : (pvc.status?.phase ?? '');
    // Capacity and access modes are the bound volume's: blank until the claim is bound.
    const bound = (pvc.spec?.volumeName ?? '') !== '';
    return {
      cells: [
        pvc.metadata?.name ?? '',
        phase,
        pvc.spec?.volumeName ?? '',
        bound ? quantityString(pvc.status?.capacity?.storage) : '',
        bound ? accessModes(pvc.status?.accessModes) : '',
        storageClass(pvc),
        pvc.spec?.volumeAttributesClassName ?? '<unset>',
        since(pvc.metadata?.creationTimestamp, now),
        pvc.spec?.volumeMode ?? '<unset>',
      ],
    };
  },
};

export const CORE_PRINTERS: Readonly<Record<string, Printer>> = {
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/nodes': nodePrinter,
  '/namespaces': namespacePrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/events': eventPrinter,
  '/persistentvolumes': persistentVolumePrinter,
  '/persistentvolumeclaims': persistentVolumeClaimPrinter,
};
