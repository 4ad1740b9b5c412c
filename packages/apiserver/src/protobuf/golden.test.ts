// Replays what the real kubectl 1.32 sent (testdata/<case>.pb, captured by kubectl-live.test.ts
// with KUBEMU_CAPTURE_GOLDEN=1) and checks the decoded object against what the same kubectl printed
// for `--dry-run=client -o json` (testdata/<case>.json). The two are compared whole: kubectl's
// dry-run output and its wire object are the same Go object, so no field legitimately differs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeKubernetesProtobuf, PROTOBUF_CONTENT_TYPE } from './index';

const TESTDATA = join(__dirname, 'testdata');
const cases = readdirSync(TESTDATA)
  .filter((f) => f.endsWith('.pb'))
  .map((f) => f.slice(0, -'.pb'.length))
  .sort();
const requests = JSON.parse(readFileSync(join(TESTDATA, 'requests.json'), 'utf8')) as Record<string, { contentType: string; path: string }>;

test('every imperative create kubectl sends as protobuf has a golden case', () => {
  const protobufCases = Object.entries(requests)
    .filter(([, r]) => r.contentType === PROTOBUF_CONTENT_TYPE)
    .map(([name]) => name)
    .sort();
  expect(cases).toEqual(protobufCases);
  expect(cases.length).toBeGreaterThanOrEqual(13);
});

test.each(cases)('%s decodes to the object kubectl printed', (name) => {
  const decoded = decodeKubernetesProtobuf(readFileSync(join(TESTDATA, `${name}.pb`)));
  if (!decoded.ok) throw new Error(`decode failed: ${JSON.stringify(decoded.status)}`);
  expect(decoded.object).toStrictEqual(JSON.parse(readFileSync(join(TESTDATA, `${name}.json`), 'utf8')));
});

test('kubectl run posts JSON, not protobuf', () => {
  expect(requests['run']).toMatchObject({ contentType: 'application/json', path: '/api/v1/namespaces/default/pods' });
});
