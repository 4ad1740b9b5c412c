// Two replicas' compactors against one store: one compacts per round, one round behind.
import { ManualClock, silentLogger } from '@kubemu/base';
import { EtcdClient, startTestMember } from '@kubemu/kvstore';
import type { TestMember } from '@kubemu/kvstore';
import { Compactor } from './compactor';

let member: TestMember;
let client: EtcdClient;

beforeAll(async () => {
  member = await startTestMember();
  client = new EtcdClient({ endpoints: [member.endpoint] });
});

afterAll(async () => {
  client.close();
  await member.destroy();
});

const put = (k: string) => client.put({ key: new TextEncoder().encode(k), value: new TextEncoder().encode('v') });

test('exactly one replica compacts per round, to the revision seen one round earlier', async () => {
  const clock = new ManualClock();
  const a = new Compactor(client, clock, 1000, silentLogger('a'));
  const b = new Compactor(client, clock, 1000, silentLogger('b'));
  await put('x');
  expect(await a.tick()).toBeUndefined(); // first round: records the revision, nothing to compact yet
  expect(await b.tick()).toBeUndefined(); // b lost the race; it learns the key's version
  const seenByA = (await client.range({ key: new TextEncoder().encode('x') })).header.revision;
  await put('x');
  await put('x');
  const round2 = [await a.tick(), await b.tick()];
  expect(round2.filter((r) => r !== undefined)).toHaveLength(1);
  const compacted = round2.find((r) => r !== undefined)!;
  expect(compacted).toBeGreaterThanOrEqual(seenByA - 1);
  await expect(client.range({ key: new TextEncoder().encode('x'), revision: compacted - 1 })).rejects.toThrow(/compacted/);
  expect((await client.range({ key: new TextEncoder().encode('x'), revision: compacted })).kvs).toHaveLength(1);
});
