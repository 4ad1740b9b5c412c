import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { KVSTORE_NODE_FLAGS } from './node-flags';

const COMPOSE = path.resolve(__dirname, '..', '..', '..', 'compose.yaml');

describe('KVSTORE_NODE_FLAGS', () => {
  it('are the node flags compose.yaml runs every kvstore member with', () => {
    const compose = parse(readFileSync(COMPOSE, 'utf8')) as { services: Record<string, { command?: string[] }> };
    const members = Object.entries(compose.services).filter(([, svc]) => svc.command?.includes('packages/kvstore/dist/main.js'));
    expect(members.map(([name]) => name)).toEqual(['etcd-0', 'etcd-1', 'etcd-2']);
    for (const [, svc] of members) {
      const argv = svc.command as string[];
      expect(argv.slice(0, argv.indexOf('packages/kvstore/dist/main.js'))).toEqual(['node', ...KVSTORE_NODE_FLAGS]);
    }
  });
});
