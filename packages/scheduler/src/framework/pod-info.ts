// PodInfo: a pod with what every cycle would otherwise recompute (its requests, host ports and
// parsed affinity terms), computed once when the pod enters the queue or the cache. PodInfos are
// immutable; a changed pod gets a new one.
import { selectorFromLabelSelector } from '@kubemu/api';
import type { Selector } from '@kubemu/api';
import type { LabelSelector, Pod } from '@kubemu/api';
import { podRequests } from './resource';
import type { Resource } from './resource';

type PodSpec = NonNullable<Pod['spec']>;
type Affinity = NonNullable<PodSpec['affinity']>;
type PodAffinityTerm = NonNullable<NonNullable<Affinity['podAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>[number];

/** A pod (anti-)affinity term, parsed: which pods it selects and over which topology. */
export interface AffinityTerm {
  selector: Selector;
  /** Namespaces named by the term (or the pod's own when it names none and has no namespaceSelector). */
  namespaces: ReadonlySet<string>;
  /** Selects namespaces by label; undefined when the term has none. An empty one selects all. */
  namespaceSelector: Selector | undefined;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  readonly pod: Pod;
  /** namespace/name */
  readonly key: string;
  readonly requests: Resource;
  /** Requests with the scoring defaults (100m cpu, 200Mi memory) for containers that set none. */
  readonly nonZeroRequests: Resource;
  readonly hostPorts: readonly HostPort[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  /** The terms could not be parsed (an invalid selector): the pod cannot be scheduled. */
  readonly parseError: string | undefined;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function parseTerm(pod: Pod, term: PodAffinityTerm): AffinityTerm {
  const own = pod.metadata?.namespace ?? '';
  const named = term.namespaces ?? [];
  const nsSel = term.namespaceSelector;
  return {
    selector: selectorFromLabelSelector(term.labelSelector as LabelSelector | undefined),
    namespaces: new Set(named.length === 0 && nsSel == null ? [own] : named),
    namespaceSelector: nsSel == null ? undefined : selectorFromLabelSelector(nsSel as LabelSelector),
    topologyKey: term.topologyKey,
  };
}

/** Whether `term` (of some pod) selects `other`, whose namespace carries `nsLabels`. */
export function termMatches(term: AffinityTerm, other: Pod, nsLabels: Readonly<Record<string, string>> | undefined): boolean {
  const ns = other.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns) && !(term.namespaceSelector?.matches(nsLabels) ?? false)) return false;
  return term.selector.matches(other.metadata?.labels ?? undefined);
}

export function newPodInfo(pod: Pod): PodInfo {
  const spec = pod.spec;
  const hostPorts: HostPort[] = [];
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      hostPorts.push({ ip: p.hostIP ?? '0.0.0.0', protocol: p.protocol ?? 'TCP', port: p.hostPort });
    }
  }
  let parseError: string | undefined;
  const parse = <T>(fn: () => T[]): T[] => {
    try {
      return fn();
    } catch (err) {
      parseError = (err as Error).message;
      return [];
    }
  };
  const a = spec?.affinity;
  const requiredAffinity = parse(() => (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(pod, t)));
  const requiredAntiAffinity = parse(() => (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => parseTerm(pod, t)));
  const preferredAffinity = parse(() =>
    (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...parseTerm(pod, w.podAffinityTerm), weight: w.weight })),
  );
  const preferredAntiAffinity = parse(() =>
    (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ ...parseTerm(pod, w.podAffinityTerm), weight: w.weight })),
  );
  return {
    pod,
    key: podKey(pod),
    requests: podRequests(pod),
    nonZeroRequests: podRequests(pod, true),
    hostPorts,
    requiredAffinity,
    requiredAntiAffinity,
    preferredAffinity,
    preferredAntiAffinity,
    parseError,
  };
}

/** Whether the pod has any pod affinity or anti-affinity (required or preferred). */
export function hasPodAffinity(p: PodInfo): boolean {
  return p.requiredAffinity.length + p.requiredAntiAffinity.length + p.preferredAffinity.length + p.preferredAntiAffinity.length > 0;
}

