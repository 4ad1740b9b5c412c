/**
 * Peers' names and client URLs, as each told this member in its peer hello, kept in
 * <data-dir>/member-attributes.json so that `member list` still shows a peer's client URLs after
 * this member restarts while that peer is down. (etcd publishes them through the Raft log; here
 * the peer connection carries them, and the record survives restarts.)
 *
 * Writes are serialized and atomic (temp file + rename); a failed write is logged and retried
 * with the next change, never fatal: the record is a cache the hellos rebuild.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@kubemu/base';

export interface MemberAttributes {
  name: string;
  clientURLs: string[];
}

const FILE = 'member-attributes.json';

export class MemberAttributesRecord {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly byId: Map<number, MemberAttributes>,
    private readonly logger: Logger,
  ) {}

  static async load(dataDir: string, logger: Logger): Promise<MemberAttributesRecord> {
    const file = path.join(dataDir, FILE);
    const byId = new Map<number, MemberAttributes>();
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Array<[number, MemberAttributes]>;
      for (const [id, a] of saved) byId.set(id, a);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn('kvstore: ignoring unreadable member attributes', { file, error: String(err) });
    }
    return new MemberAttributesRecord(file, byId, logger);
  }

  get(id: number): MemberAttributes | undefined {
    return this.byId.get(id);
  }

  set(id: number, a: MemberAttributes): void {
    const old = this.byId.get(id);
    if (old !== undefined && old.name === a.name && old.clientURLs.join(',') === a.clientURLs.join(',')) return;
    this.byId.set(id, a);
    const text = JSON.stringify([...this.byId]);
    this.writing = this.writing
      .then(async () => {
        await writeFile(`${this.file}.tmp`, text);
        await rename(`${this.file}.tmp`, this.file);
      })
      .catch((err: unknown) => {
        this.logger.warn('kvstore: cannot record member attributes', { error: String(err) });
      });
  }

  /** Resolves once every recorded change is on disk (or failed). */
  flush(): Promise<void> {
    return this.writing;
  }
}
