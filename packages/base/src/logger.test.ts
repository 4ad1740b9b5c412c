import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { CorruptionError, KubemuError } from './errors';

describe('logger', () => {
  it('writes one JSON line per record with the component and extra fields', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    const log = createLogger({ component: 'raft', fields: { member: 'etcd-0' }, stream });
    log.info('became leader', { term: 3 });
    log.warn('slow fsync');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    const rec = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(rec).toMatchObject({ level: 'info', message: 'became leader', component: 'raft', member: 'etcd-0', term: 3 });
    expect(typeof rec.timestamp).toBe('string');
  });
});

describe('errors', () => {
  it('carry a stable code, their class name and the cause', () => {
    const cause = new Error('bad crc');
    const err = new CorruptionError('wal segment 3 offset 40', { cause });
    expect(err).toBeInstanceOf(KubemuError);
    expect(err.code).toBe('Corruption');
    expect(err.name).toBe('CorruptionError');
    expect(err.cause).toBe(cause);
  });
});
