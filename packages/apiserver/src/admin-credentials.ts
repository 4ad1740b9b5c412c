// The first admin credentials of a new cluster (what kubeadm init writes as admin.conf): a bearer
// token in the --token-auth-file, created once by whichever replica starts first, and a kubeconfig
// with the cluster CA and that token.
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

export const ADMIN_USER = 'kubernetes-admin';

/** Creates the token file with one system:masters token unless it exists; returns the admin token. */
export function ensureAdminToken(tokenFile: string): string | undefined {
  if (!existsSync(tokenFile)) {
    mkdirSync(path.dirname(tokenFile), { recursive: true });
    const token = randomBytes(24).toString('base64url');
    const tmp = `${tokenFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
    try {
      linkSync(tmp, tokenFile); // fails if another replica won the race: then use theirs
    } catch {
      // the other replica's file stands
    }
    unlinkSync(tmp);
  }
  for (const line of readFileSync(tokenFile, 'utf8').split('\n')) {
    const cols = line.split(',');
    if (cols[1] === ADMIN_USER && cols[0] !== undefined && cols[0] !== '') return cols[0];
  }
  return undefined;
}

export function writeAdminKubeconfig(file: string, server: string, caPem: string, token: string, clusterName: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: ADMIN_USER, user: { token } }],
    contexts: [{ name: `${ADMIN_USER}@${clusterName}`, context: { cluster: clusterName, user: ADMIN_USER } }],
    'current-context': `${ADMIN_USER}@${clusterName}`,
    preferences: {},
  };
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(config), { mode: 0o600 });
  renameSync(tmp, file);
}
