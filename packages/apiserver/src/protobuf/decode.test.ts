// The decoder on hand-built bodies: the failure Statuses, and the encoding/json rules the golden
// kubectl captures do not reach (statuses, Time edge cases, pointer presence, packed numbers, ...).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writer } from 'protobufjs';
import type { KubeObject, Status } from '@kubemu/api';
import { decodeKubernetesProtobuf } from './index';
import { SCHEMA } from './schema/registry';

const MAGIC = Buffer.from('k8s\0', 'latin1');

function encode(message: string, value: object): Uint8Array {
  const type = SCHEMA.type(SCHEMA.message(message));
  return type.encode(type.fromObject(value)).finish();
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: object = {}): Buffer {
  return Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion, kind }, raw, ...extra })]);
}

function decodeOk(body: Buffer): KubeObject {
  const result = decodeKubernetesProtobuf(body);
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.status)}`);
  return result.object;
}

function decodeFailure(body: Buffer): Status {
  const result = decodeKubernetesProtobuf(body);
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.object)}`);
  return result.status;
}

const container = { name: 'c', image: 'nginx' };

describe('failures are Status values', () => {
  test('a body without the k8s\\0 magic is 400 BadRequest', () => {
    expect(decodeFailure(Buffer.from('{"kind":"Pod"}'))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
      reason: 'BadRequest',
      code: 400,
    });
  });

  test('a body cut anywhere inside the object is 400, never an exception', () => {
    const full = readFileSync(join(__dirname, 'testdata', 'create-deployment.pb'));
    // The object (Unknown.raw) starts after magic, typeMeta and raw's tag and length, and is
    // followed by the empty contentEncoding and contentType (4 bytes).
    expect(full.subarray(full.length - 4)).toEqual(Buffer.from([0x1a, 0x00, 0x22, 0x00]));
    for (let n = 32; n < full.length - 4; n += 3) {
      const status = decodeFailure(full.subarray(0, n));
      expect({ code: status.code, reason: status.reason }).toEqual({ code: 400, reason: 'BadRequest' });
    }
  });

  test('a field sent with the wrong wire type is 400', () => {
    const status = decodeFailure(Buffer.concat([MAGIC, Buffer.from([0x08, 0x01])]));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest', message: 'proto: wrong wireType = 0 for field typeMeta of Unknown' });
  });

  test('a kind kubemu cannot decode is 415 UnsupportedMediaType naming the kind', () => {
    const status = decodeFailure(envelope('apps/v1', 'StatefulSet', encode('ObjectMeta', { name: 'db' })));
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'StatefulSet in apps/v1 is not supported in application/vnd.kubernetes.protobuf; the body of the request must be in one of: application/json, application/yaml',
      reason: 'UnsupportedMediaType',
      details: { group: 'apps', kind: 'StatefulSet' },
      code: 415,
    });
  });

  test('a field this server does not know is 415 naming where it is, not silently dropped', () => {
    // PodSpec field 41 (hostnameOverride) arrived after Kubernetes 1.32.
    const spec = new Writer();
    spec.uint32((2 << 3) | 2).bytes(encode('Container', container));
    spec.uint32((41 << 3) | 2).string('other-name');
    const pod = new Writer();
    pod.uint32((2 << 3) | 2).bytes(spec.finish());
    const status = decodeFailure(envelope('v1', 'Pod', pod.finish()));
    expect(status).toMatchObject({ code: 415, reason: 'UnsupportedMediaType', details: { kind: 'Pod' } });
    expect(status.message).toContain('protobuf field 41 of k8s.io.api.core.v1.PodSpec (at spec) is not known to this server');
  });

  test('an encoded (compressed) object is 415', () => {
    const status = decodeFailure(envelope('v1', 'Namespace', new Uint8Array(0), { contentEncoding: 'gzip' }));
    expect(status).toMatchObject({ code: 415, message: 'protobuf content encoding "gzip" is not supported' });
  });

  test('an object without typeMeta takes the kind the caller gives (the request path), else is 400', () => {
    const body = Buffer.concat([MAGIC, encode('Unknown', { raw: encode('Namespace', { metadata: { name: 'ns' } }) })]);
    expect(decodeFailure(body)).toMatchObject({ code: 400, message: "Object 'Kind' is missing in protobuf body" });
    const result = decodeKubernetesProtobuf(body, { apiVersion: 'v1', kind: 'Namespace' });
    expect(result).toEqual({
      ok: true,
      object: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'ns', creationTimestamp: null }, spec: {}, status: {} },
    });
  });
});

describe('the JSON is what encoding/json writes for the decoded Go struct', () => {
  test('a pointer keeps its presence: replicas 0 is written, an absent one is not', () => {
    const withZero = decodeOk(envelope('apps/v1', 'Deployment', encode('Deployment', { spec: { replicas: 0 } })));
    expect(withZero['spec']).toEqual({ replicas: 0, selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: {} });
    const without = decodeOk(envelope('apps/v1', 'Deployment', encode('Deployment', { spec: {} })));
    expect(without['spec']).not.toHaveProperty('replicas');
  });

  test('struct values are always written; nil slices without omitempty are null', () => {
    expect(decodeOk(envelope('v1', 'Service', new Uint8Array(0)))).toEqual({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { creationTimestamp: null },
      spec: {},
      status: { loadBalancer: {} },
    });
    const role = decodeOk(envelope('rbac.authorization.k8s.io/v1', 'Role', encode('Role', { metadata: { name: 'r' } })));
    expect(role['rules']).toBeNull();
  });

  test('bytes are base64, an empty value is "", and map keys come out sorted', () => {
    const secret = decodeOk(envelope('v1', 'Secret', encode('Secret', { data: { z: Buffer.from('hi'), a: Buffer.alloc(0) }, type: 'Opaque' })));
    expect(secret['data']).toEqual({ a: '', z: 'aGk=' });
    expect(Object.keys(secret['data'] as object)).toEqual(['a', 'z']);
  });

  test('Time: RFC 3339 at second precision, null when empty, the epoch when seconds is an explicit 0', () => {
    const status = {
      phase: 'Running',
      startTime: {},
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: { seconds: 1704164645, nanos: 999 } },
        { type: 'Initialized', status: 'True', lastTransitionTime: { seconds: 0 } },
      ],
      containerStatuses: [{ name: 'c', ready: true, state: { running: { startedAt: { seconds: 1704164645 } } } }],
    };
    const pod = decodeOk(envelope('v1', 'Pod', encode('Pod', { spec: { containers: [container] }, status })));
    expect(pod['status']).toEqual({
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2024-01-02T03:04:05Z' },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: '1970-01-01T00:00:00Z' },
      ],
      startTime: null,
      containerStatuses: [
        { name: 'c', state: { running: { startedAt: '2024-01-02T03:04:05Z' } }, lastState: {}, ready: true, restartCount: 0, image: '', imageID: '' },
      ],
    });
  });

  test('Quantity prints canonically; an unparsable one is 400 with the ParseQuantity message', () => {
    const requests = { cpu: { string: '0.5' }, memory: { string: '1Gi' }, storage: { string: '1000M' } };
    const pod = decodeOk(envelope('v1', 'Pod', encode('Pod', { spec: { containers: [{ ...container, resources: { requests } }] } })));
    const [c] = (pod['spec'] as { containers: { resources: unknown }[] }).containers;
    expect(c?.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi', storage: '1G' } });

    const bad = { ...container, resources: { limits: { cpu: { string: 'lots' } } } };
    const status = decodeFailure(envelope('v1', 'Pod', encode('Pod', { spec: { containers: [bad] } })));
    expect(status).toMatchObject({ code: 400, message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" });
  });

  test('IntOrString is a number or a string; any other type is 400', () => {
    const svc = (targetPort: object): Buffer => envelope('v1', 'Service', encode('Service', { spec: { ports: [{ port: 80, targetPort }] } }));
    const ports = (obj: KubeObject): unknown => (obj['spec'] as { ports: unknown }).ports;
    expect(ports(decodeOk(svc({ type: 1, strVal: 'http' })))).toEqual([{ port: 80, targetPort: 'http' }]);
    expect(ports(decodeOk(svc({ intVal: 8080 })))).toEqual([{ port: 80, targetPort: 8080 }]);
    expect(ports(decodeOk(envelope('v1', 'Service', encode('Service', { spec: { ports: [{ port: 80 }] } }))))).toEqual([{ port: 80, targetPort: 0 }]);
    expect(decodeFailure(svc({ type: 2 }))).toMatchObject({ code: 400, message: 'impossible IntOrString.Type' });
  });

  test('64-bit integers and repeated numbers, packed or not', () => {
    const packed = new Writer();
    packed.uint32((4 << 3) | 2).fork().int64(1).int64(2).ldelim();
    const unpacked = new Writer();
    unpacked.uint32(4 << 3).int64(1).uint32(4 << 3).int64(2);
    for (const securityContext of [packed.finish(), unpacked.finish()]) {
      const spec = new Writer();
      spec.uint32((2 << 3) | 2).bytes(encode('Container', container));
      spec.uint32(5 << 3).int64(2 ** 40);
      spec.uint32((14 << 3) | 2).bytes(securityContext);
      const pod = new Writer();
      pod.uint32((2 << 3) | 2).bytes(spec.finish());
      const decoded = decodeOk(envelope('v1', 'Pod', pod.finish()));
      expect(decoded['spec']).toMatchObject({ activeDeadlineSeconds: 2 ** 40, securityContext: { supplementalGroups: [1, 2] } });
    }
  });

  test('managedFields carry fieldsV1 as the JSON object it holds', () => {
    const entry = { manager: 'kubectl', operation: 'Update', time: { seconds: 1704164645 }, fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:data":{}}') } };
    const cm = decodeOk(envelope('v1', 'ConfigMap', encode('ConfigMap', { metadata: { name: 'c', managedFields: [entry] } })));
    expect(cm['metadata']).toEqual({
      name: 'c',
      creationTimestamp: null,
      managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2024-01-02T03:04:05Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
    });
    const broken = { ...entry, fieldsV1: { Raw: Buffer.from('{"f:data"') } };
    expect(decodeFailure(envelope('v1', 'ConfigMap', encode('ConfigMap', { metadata: { managedFields: [broken] } }))).code).toBe(400);
  });

  test('an Eviction carries its DeleteOptions without TypeMeta', () => {
    const eviction = { metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u1' }, dryRun: ['All'] } };
    expect(decodeOk(envelope('policy/v1', 'Eviction', encode('Eviction', eviction)))).toEqual({
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'p', namespace: 'default', creationTimestamp: null },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u1' }, dryRun: ['All'] },
    });
  });

  test('an embedded struct is promoted: ephemeral containers and volume sources sit inline', () => {
    const spec = {
      containers: [container],
      ephemeralContainers: [{ ephemeralContainerCommon: { name: 'dbg', image: 'busybox', tty: true }, targetContainerName: 'c' }],
      volumes: [{ name: 'v', volumeSource: { configMap: { localObjectReference: { name: 'cfg' } } } }],
    };
    const pod = decodeOk(envelope('v1', 'Pod', encode('Pod', { spec })));
    expect(pod['spec']).toMatchObject({
      ephemeralContainers: [{ name: 'dbg', image: 'busybox', resources: {}, tty: true, targetContainerName: 'c' }],
      volumes: [{ name: 'v', configMap: { name: 'cfg' } }],
    });
  });
});
