// Who a request is from, as k8s.io/apiserver's user.Info describes it, and the well-known names
// Kubernetes gives to users and groups.

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  /** Additional information an authenticator provides (authentication.kubernetes.io/pod-name, ...). */
  extra?: Record<string, string[]>;
}

/** The privileged group: kube-apiserver allows every request of its members before any authorizer. */
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const MONITORING_GROUP = 'system:monitoring';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/** The groups every service account user belongs to (serviceaccount.MakeGroupNames). */
export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/** `system:serviceaccount:<ns>:<name>` split into its parts, or undefined for any other user name. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { namespace: parts[0] as string, name: parts[1] as string };
}

/**
 * The node a user acts for, as kube-apiserver's default node identifier decides: a user named
 * `system:node:<name>` in the group system:nodes is a node. The name may be empty (the user
 * `system:node:`), which the Node authorizer reports as an unknown node.
 */
export function nodeIdentity(user: UserInfo): { isNode: boolean; nodeName: string } {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.username.slice(NODE_USER_PREFIX.length) };
}
