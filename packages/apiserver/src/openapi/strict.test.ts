import { strictDecodingMessage, strictDecodingStatus, strictFieldErrors, unknownFieldErrors, unknownFields } from './strict';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
const pod = { group: '', version: 'v1', kind: 'Pod' };

function deploymentWith(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { 'app.kubernetes.io/name': 'web' }, annotations: { 'any.key/x': 'y' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } },
      ...spec,
    },
    ...extra,
  };
}

describe('unknownFields', () => {
  it('finds nothing in a valid object, whatever keys its maps have', () => {
    expect(unknownFields(deploymentWith({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } }), deployment)).toEqual([]);
    expect(unknownFields({ apiVersion: 'v1', kind: 'Pod', status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, pod)).toEqual([]);
  });

  it('reports the path of each unknown field as kube-apiserver does, in document order', () => {
    const obj = deploymentWith({ replicasx: 3 }, { extra: true });
    (obj.metadata as Record<string, unknown>).nmae = 'typo';
    const spec = obj.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
    spec.template.spec.containers.push({ name: 'side', imagex: 'busybox', ports: [{ containerPort: 1, hostPortx: 2 }] });
    expect(unknownFields(obj, deployment)).toEqual([
      'metadata.nmae',
      'spec.template.spec.containers[1].imagex',
      'spec.template.spec.containers[1].ports[0].hostPortx',
      'spec.replicasx',
      'extra',
    ]);
  });

  it('is case-sensitive, as Kubernetes decoding is', () => {
    expect(unknownFields(deploymentWith({ Replicas: 1 }), deployment)).toEqual(['spec.Replicas']);
  });

  it('does not look into opaque objects (ControllerRevision data is a RawExtension)', () => {
    const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 1, data: { spec: { anything: { goes: 1 } } } };
    expect(unknownFields(rev, { group: 'apps', version: 'v1', kind: 'ControllerRevision' })).toEqual([]);
  });

  it('says nothing about a kind it has no schema for', () => {
    expect(unknownFields({ spec: { x: 1 } }, { group: 'example.com', version: 'v1', kind: 'Widget' })).toEqual([]);
  });
});

describe('strictFieldErrors (raw JSON bodies)', () => {
  it('reports unknown and duplicate fields in document order', () => {
    const raw =
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},' +
      '"spec":{"unknownField":"x","replicas":1,"replicas":2,"selector":{"matchLabels":{"a":"b","a":"c"}},' +
      '"template":{"spec":{"containers":[{"name":"c","image":"i","imagePullPolicyx":"Always"}]}}}}';
    expect(strictFieldErrors(raw, deployment)).toEqual([
      'unknown field "spec.unknownField"',
      'duplicate field "spec.replicas"',
      'duplicate field "spec.selector.matchLabels.a"',
      'unknown field "spec.template.spec.containers[0].imagePullPolicyx"',
    ]);
  });

  it('agrees with unknownFields on a parsed body and handles escapes, numbers and literals', () => {
    const obj = deploymentWith({ replicasx: 1e3, paused: false, minReadySeconds: -1 }, { 'we\\"ird': null });
    const raw = JSON.stringify(obj, null, 2);
    expect(strictFieldErrors(raw, deployment)).toEqual(unknownFieldErrors(unknownFields(obj, deployment)));
    expect(strictFieldErrors(raw, deployment)).toEqual(['unknown field "spec.replicasx"', 'unknown field "we\\\\\\"ird"']);
  });

  it('ignores what is under an unknown field, and malformed JSON', () => {
    expect(strictFieldErrors('{"spec":{"bogus":{"a":1,"a":2,"b":{"c":3}}}}', deployment)).toEqual(['unknown field "spec.bogus"']);
    expect(strictFieldErrors('{"spec":{"replicasx":', deployment)).toEqual([]);
  });
});

describe('the BadRequest of fieldValidation=Strict', () => {
  it('is worded as kube-apiserver words it', () => {
    const errs = ['unknown field "spec.replicasx"', 'duplicate field "spec.replicas"'];
    expect(strictDecodingMessage(deployment, errs)).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicasx", duplicate field "spec.replicas"',
    );
    expect(strictDecodingStatus(pod, ['unknown field "spec.x"'])).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.x"',
      reason: 'BadRequest',
      code: 400,
    });
  });
});
