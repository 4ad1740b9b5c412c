// The NodeRestriction admission plugin's checks, which complete the Node authorizer: the
// authorizer cannot see request bodies, so it lets any kubelet create pods and update nodes and
// pod status, and this check, run at admission with the objects, limits each kubelet to its own
// Node, its own Lease, and the pods bound to it (creating only mirror pods). Users that are not
// nodes pass untouched. Messages are kube-apiserver's.
import type { KubeObject, Pod } from '@kubemu/api';
import { goQuote } from '@kubemu/api';
import type { AuthStatus } from '../status';
import { newForbidden } from '../status';
import type { UserInfo } from '../user';
import { nodeIdentity } from '../user';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface NodeAdmissionRequest {
  user: UserInfo;
  operation: AdmissionOperation;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  /** The name in the URL; empty on create. */
  name?: string;
  /** The object being written (create, update). */
  object?: KubeObject;
  /** The stored object (update, delete, and the pod of an eviction). */
  oldObject?: KubeObject;
}

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** undefined when admitted, else the 403 Status. */
export function nodeRestriction(req: NodeAdmissionRequest): AuthStatus | undefined {
  const { isNode, nodeName } = nodeIdentity(req.user);
  if (!isNode) return undefined;
  const forbid = (why: string): AuthStatus => newForbidden(req.apiGroup, req.resource, targetName(req), why);
  if (nodeName === '') return forbid(`could not determine node from user ${goQuote(req.user.username)}`);
  const key = `${req.apiGroup}/${req.resource}`;
  if (key === '/pods') return admitPod(nodeName, req, forbid);
  if (key === '/nodes') {
    const requested = req.name || req.object?.metadata?.name || '';
    if (requested !== nodeName) return forbid(`node ${goQuote(nodeName)} is not allowed to modify node ${goQuote(requested)}`);
    return undefined;
  }
  if (key === 'coordination.k8s.io/leases') {
    if (req.namespace !== NODE_LEASE_NAMESPACE) return forbid(`can only access leases in the ${goQuote(NODE_LEASE_NAMESPACE)} system namespace`);
    const leaseName = req.operation === 'CREATE' ? (req.object?.metadata?.name ?? '') : (req.name ?? '');
    if (leaseName !== nodeName) return forbid('can only access node lease with the same name as the requesting node');
  }
  return undefined;
}

function admitPod(nodeName: string, req: NodeAdmissionRequest, forbid: (why: string) => AuthStatus): AuthStatus | undefined {
  const node = goQuote(nodeName);
  const boundHere = (o: KubeObject | undefined): boolean => (o as Pod | undefined)?.spec?.nodeName === nodeName;
  switch (req.subresource ?? '') {
    case '':
      if (req.operation === 'CREATE') {
        const pod = req.object as Pod | undefined;
        if (pod?.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
          return forbid(`pod does not have ${goQuote(MIRROR_POD_ANNOTATION)} annotation, node ${node} can only create mirror pods`);
        }
        if (!boundHere(pod)) return forbid(`node ${node} can only create pods with spec.nodeName set to itself`);
        return undefined;
      }
      if (req.operation === 'DELETE') {
        return boundHere(req.oldObject) ? undefined : forbid(`node ${node} can only delete pods with spec.nodeName set to itself`);
      }
      return forbid(`unexpected operation ${goQuote(req.operation)}, node ${node} can only create and delete mirror pods`);
    case 'status':
      if (req.operation !== 'UPDATE') return forbid(`unexpected operation ${goQuote(req.operation)}`);
      return boundHere(req.oldObject) ? undefined : forbid(`node ${node} can only update pod status for pods with spec.nodeName set to itself`);
    case 'eviction':
      return boundHere(req.oldObject) ? undefined : forbid(`node ${nodeName} can only evict pods with spec.nodeName set to itself`);
    default:
      return forbid(`unexpected pod subresource ${goQuote(req.subresource ?? '')}, only 'status' and 'eviction' are allowed`);
  }
}

/** admission.NewForbidden names the URL's object, else the new object's name, else "Unknown". */
function targetName(req: NodeAdmissionRequest): string {
  if (req.name) return req.name;
  return req.object?.metadata?.name || req.object?.metadata?.generateName || 'Unknown';
}
