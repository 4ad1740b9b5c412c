// Printers of networking, autoscaling, coordination and RBAC objects.
import type { ClusterRoleBinding, HorizontalPodAutoscaler, Ingress, KubeObject, Lease, NetworkPolicy, RoleBinding } from '@kubemu/api';
import { ageColumn, col, createdAtColumn, doc, nameColumn } from './columns';
import { formatLabelSelector, quantityString, rfc3339, since } from './format';
import type { Printer } from './types';

/** formatHosts: up to three rule hosts, "*" when no rule names one. */
function ingressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const r of rules) {
    if (hosts.length === max) more = true;
    if (!more && r.host) hosts.push(r.host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'string', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row: (obj: KubeObject, now: Date) => {
    const ing = obj as Ingress;
    const address = [...new Set((ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((a) => a !== ''))].join(',');
    return {
      cells: [ing.metadata?.name ?? '', ing.spec?.ingressClassName ?? '<none>', ingressHosts(ing), address, (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80', since(ing.metadata?.creationTimestamp, now)],
    };
  },
};

const networkPolicyPrinter: Printer = {
  columns: [nameColumn(), col('Pod-Selector', 'string', doc('networking.v1.NetworkPolicySpec', 'podSelector')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const np = obj as NetworkPolicy;
    // podSelector is a struct in Go, never nil: an absent one prints like an empty one.
    return { cells: [np.metadata?.name ?? '', formatLabelSelector(np.spec?.podSelector ?? {}), since(np.metadata?.creationTimestamp, now)] };
  },
};

type MetricSpec = NonNullable<NonNullable<HorizontalPodAutoscaler['spec']>['metrics']>[number];
type MetricStatus = NonNullable<NonNullable<HorizontalPodAutoscaler['status']>['currentMetrics']>[number];

/** One metric as formatHPAMetrics prints it: "<current>/<target>", resources prefixed "cpu: ". */
function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  // Quantity.String() of a nil *Quantity prints <nil>.
  const q = (v: string | undefined): string => (v === undefined ? '<nil>' : quantityString(v));
  const unknown = '<unknown>';
  switch (spec.type) {
    case 'External': {
      const t = spec.external?.target;
      if (t?.averageValue !== undefined) return `${status?.external?.current.averageValue !== undefined ? q(status.external.current.averageValue) : unknown}/${q(t.averageValue)} (avg)`;
      return `${status?.external ? q(status.external.current.value) : unknown}/${q(t?.value)}`;
    }
    case 'Pods':
      return `${status?.pods ? q(status.pods.current.averageValue) : unknown}/${q(spec.pods?.target.averageValue)}`;
    case 'Object': {
      const t = spec.object?.target;
      if (t?.averageValue !== undefined) return `${status?.object?.current.averageValue !== undefined ? q(status.object.current.averageValue) : unknown}/${q(t.averageValue)} (avg)`;
      return `${status?.object ? q(status.object.current.value) : unknown}/${q(t?.value)}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const cur = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const name = src?.name ?? '';
      if (src?.target.averageValue !== undefined) return `${name}: ${cur ? q(cur.current.averageValue) : unknown}/${q(src.target.averageValue)}`;
      const current = cur?.current.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : unknown;
      const target = src?.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
      return `${name}: ${current}/${target}`;
    }
    default:
      return '<unknown type>';
  }
}

function hpaTargets(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const max = 2;
  const list = specs.map((s, i) => formatMetric(s, statuses[i]));
  return list.length > max ? `${list.slice(0, max).join(', ')} + ${list.length - max} more...` : list.join(', ');
}

const hpaPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Reference', 'string', doc('autoscaling.v2.HorizontalPodAutoscalerSpec', 'scaleTargetRef')),
    col('Targets', 'string', doc('autoscaling.v2.HorizontalPodAutoscalerSpec', 'metrics')),
    col('MinPods', 'string', doc('autoscaling.v2.HorizontalPodAutoscalerSpec', 'minReplicas')),
    col('MaxPods', 'string', doc('autoscaling.v2.HorizontalPodAutoscalerSpec', 'maxReplicas')),
    col('Replicas', 'string', doc('autoscaling.v2.HorizontalPodAutoscalerStatus', 'currentReplicas')),
    ageColumn(),
  ],
  row: (obj: KubeObject, now: Date) => {
    const hpa = obj as HorizontalPodAutoscaler;
    const ref = hpa.spec?.scaleTargetRef;
    const min = hpa.spec?.minReplicas;
    return {
      cells: [
        hpa.metadata?.name ?? '',
        `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
        hpaTargets(hpa),
        min === undefined || min === null ? '<unset>' : String(min),
        hpa.spec?.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        since(hpa.metadata?.creationTimestamp, now),
      ],
    };
  },
};

const leasePrinter: Printer = {
  columns: [nameColumn(), col('Holder', 'string', doc('coordination.v1.LeaseSpec', 'holderIdentity')), ageColumn()],
  row: (obj: KubeObject, now: Date) => {
    const l = obj as Lease;
    return { cells: [l.metadata?.name ?? '', l.spec?.holderIdentity ?? '', since(l.metadata?.creationTimestamp, now)] };
  },
};

/** Roles and cluster roles show when they were created, not an age. */
const rolePrinter: Printer = {
  columns: [nameColumn(), createdAtColumn()],
  row: (obj: KubeObject) => ({ cells: [obj.metadata?.name ?? '', rfc3339(obj.metadata?.creationTimestamp)] }),
};

function bindingPrinter(what: string): Printer {
  return {
    columns: [
      nameColumn(),
      col('Role', 'string', doc('rbac.v1.RoleBinding', 'roleRef')),
      ageColumn(),
      col('Users', 'string', `Users in the ${what}`, { priority: 1 }),
      col('Groups', 'string', `Groups in the ${what}`, { priority: 1 }),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, { priority: 1 }),
    ],
    row: (obj: KubeObject, now: Date) => {
      const b = obj as RoleBinding | ClusterRoleBinding;
      const subjects = b.subjects ?? [];
      const of = (kind: string): string[] => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name));
      return {
        cells: [
          b.metadata?.name ?? '',
          `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
          since(b.metadata?.creationTimestamp, now),
          of('User').join(', '),
          of('Group').join(', '),
          of('ServiceAccount').join(', '),
        ],
      };
    },
  };
}

export const OTHER_PRINTERS: Readonly<Record<string, Printer>> = {
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/networkpolicies': networkPolicyPrinter,
  'autoscaling/horizontalpodautoscalers': hpaPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'rbac.authorization.k8s.io/roles': rolePrinter,
  'rbac.authorization.k8s.io/clusterroles': rolePrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter('clusterRoleBinding'),
};
