// The QoS class the apiserver stamps on a pod at creation (qos.GetPodQOS), from cpu and memory
// requests and limits of all containers.
import type { PodSpec } from '@kubemu/api';

type Resources = Record<string, string> | undefined;

const nonZero = (v: string | undefined): boolean => v !== undefined && !/^0+(\.0*)?[a-zA-Z]*$/.test(v);

export function podQosClass(spec: PodSpec | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests as Resources;
    const lim = c.resources?.limits as Resources;
    for (const r of ['cpu', 'memory']) {
      if (nonZero(req?.[r]) || nonZero(lim?.[r])) any = true;
      if (!nonZero(lim?.[r])) guaranteed = false;
      else if (req?.[r] !== undefined && req[r] !== lim?.[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
