// A pod's QoS class (status.qosClass), set when it is created, by kube's rules: Guaranteed when
// every container sets cpu and memory limits and its requests equal them; BestEffort when no
// container requests or limits anything; Burstable otherwise. Init containers count too.
import { Quantity } from '@kubemu/api';
import type { Container, Pod } from '@kubemu/api';

type Qos = 'Guaranteed' | 'Burstable' | 'BestEffort';

const TRACKED = ['cpu', 'memory'];

function same(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  try {
    return Quantity.parse(a).cmp(Quantity.parse(b)) === 0;
  } catch {
    return a === b;
  }
}

export function podQos(pod: Pod): Qos {
  const containers: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = (c.resources?.requests ?? {}) as Record<string, string>;
    const limits = (c.resources?.limits ?? {}) as Record<string, string>;
    for (const r of TRACKED) {
      const req = requests[r];
      const lim = limits[r];
      if (req !== undefined || lim !== undefined) any = true;
      // A request left empty defaults to the limit.
      if (lim === undefined || !same(req ?? lim, lim)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
