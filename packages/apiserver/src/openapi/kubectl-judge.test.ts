// The judge is the real kubectl: a bare HTTP server answers legacy discovery from RESOURCES and the
// OpenAPI documents of this module, and kubectl explain / apply / create run against it. What is
// checked is what a user sees (explain's output; apply validating without --validate=false and
// sending fieldValidation=Strict because the server's OpenAPI says it supports it). Skipped when no
// kubectl is on PATH.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KubectlFixture, kubectlAvailable } from './kubectl-fixture';
import type { Reply } from './kubectl-fixture';
import { encodeOpenApiV2, negotiateOpenApiV2, openApiV2, openApiV2Protobuf, openApiV3ForGroupVersion, openApiV3Index, parseOpenApiV3Path } from './index';
import type { V2Document } from './index';

const describeIfKubectl = kubectlAvailable() ? describe : describe.skip;

interface Mode {
  /** Serve /openapi/v3 (else 404, as a server from before v3). */
  v3: boolean;
  /** Keep fieldValidation among the v2 PATCH parameters (else the server looks unable to validate). */
  v2FieldValidation: boolean;
  /** What GET of the object answers (else 404), so that apply patches instead of creating. */
  existing?: unknown;
}

/** The v2 document of a server that does not validate fields: no fieldValidation parameter anywhere. */
function withoutFieldValidation(doc: V2Document): V2Document {
  const copy = JSON.parse(JSON.stringify(doc)) as V2Document;
  for (const item of Object.values(copy.paths)) {
    for (const op of [item.get, item.put, item.post, item.patch, item.delete]) {
      if (op?.parameters) op.parameters = op.parameters.filter((p) => p.name !== 'fieldValidation');
    }
  }
  return copy;
}

const notFound: Reply = { code: 404, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 } };

/** The OpenAPI endpoints, and a store-less create/get/patch of one object. */
function route(mode: Mode) {
  return (req: { method?: string; headers: { accept?: string } }, url: URL, body: string): Reply | undefined => {
    const p = url.pathname;
    if (p === '/openapi/v2') {
      const form = negotiateOpenApiV2(req.headers.accept);
      if (form === 'protobuf') {
        const bytes = mode.v2FieldValidation ? openApiV2Protobuf() : encodeOpenApiV2(withoutFieldValidation(openApiV2()));
        return { code: 200, body: bytes, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
      }
      return form === 'json' ? { code: 200, body: openApiV2() } : { code: 406, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 406, reason: 'NotAcceptable' } };
    }
    if (p.startsWith('/openapi/v3') && !mode.v3) return notFound;
    if (p === '/openapi/v3') return { code: 200, body: openApiV3Index() };
    if (p.startsWith('/openapi/v3/')) {
      const gv = parseOpenApiV3Path(p.slice('/openapi/v3/'.length));
      const doc = gv && openApiV3ForGroupVersion(gv);
      return doc ? { code: 200, body: doc } : notFound;
    }
    if (req.method === 'GET') return mode.existing === undefined ? notFound : { code: 200, body: mode.existing };
    if (req.method === 'PATCH') return { code: 200, body: mode.existing };
    if (req.method === 'POST') {
      const obj = JSON.parse(body) as { metadata?: Record<string, unknown> };
      obj.metadata = { ...obj.metadata, uid: 'u1', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' };
      return { code: 201, body: obj };
    }
    return undefined;
  };
}

describeIfKubectl('kubectl 1.32 against the OpenAPI documents', () => {
  const mode: Mode = { v3: true, v2FieldValidation: true };
  const fixture = new KubectlFixture(route(mode));
  const seen = fixture.seen;
  const kubectl = (...args: string[]): ReturnType<KubectlFixture['kubectl']> => fixture.kubectl(...args);

  beforeAll(() => fixture.start());
  afterAll(() => fixture.stop());

  const writeDeployment = (replicasLine: string): string => {
    const file = path.join(fixture.dir, 'deployment.yaml');
    const lines = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web, namespace: default}',
      'spec:',
      `  ${replicasLine}`,
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('explain pods.spec.containers prints the field and its documented subfields', async () => {
    seen.length = 0;
    const r = await kubectl('explain', 'pods.spec.containers');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KIND:\s+Pod\nVERSION:\s+v1\n/);
    expect(r.stdout).toMatch(/FIELD: containers <\[\]Container>/);
    expect(r.stdout).toMatch(/\n {2}image\t<string>\n/);
    expect(r.stdout).toMatch(/\n {2}name\t<string> -required-\n/);
    expect(r.stdout).toMatch(/\n {2}ports\t<\[\]ContainerPort>\n/);
    // kubectl 1.32 explain reads the v3 index and the core/v1 document only.
    const openapi = seen.map((x) => x.url.replace(/\?.*$/, '')).filter((u) => u.startsWith('/openapi'));
    expect(openapi).toEqual(['/openapi/v3', '/openapi/v3/api/v1']);
  });

  it('explain deployment prints group, kind, description and top-level fields', async () => {
    const r = await kubectl('explain', 'deployment');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n/);
    expect(r.stdout).toContain('Deployment enables declarative updates for Pods and');
    expect(r.stdout).toMatch(/\n {2}spec\t<DeploymentSpec>\n {4}Specification of the desired behavior of the Deployment\.\n/);
    expect(r.stdout).toMatch(/\n {2}metadata\t<ObjectMeta>\n/);
  });

  it('explain shows IntOrString and Quantity as Kubernetes does', async () => {
    const surge = await kubectl('explain', 'deployment.spec.strategy.rollingUpdate.maxSurge');
    expect(surge.stdout).toMatch(/FIELD: maxSurge <IntOrString>/);
    const limits = await kubectl('explain', 'pod.spec.containers.resources.limits');
    expect(limits.stdout).toMatch(/FIELD: limits <map\[string\]Quantity>/);
  });

  it('explain finds every served kind through its group version document', async () => {
    const cases: [string, RegExp][] = [
      ['nodes.spec', /^KIND:\s+Node\nVERSION:\s+v1\n\nFIELD: spec <NodeSpec>/],
      ['hpa.spec.metrics', /^GROUP:\s+autoscaling\nKIND:\s+HorizontalPodAutoscaler\nVERSION:\s+v2\n\nFIELD: metrics <\[\]MetricSpec>/],
      ['clusterrolebindings.subjects', /^GROUP:\s+rbac\.authorization\.k8s\.io\nKIND:\s+ClusterRoleBinding\nVERSION:\s+v1\n\nFIELD: subjects <\[\]Subject>/],
      ['events.eventTime', /^KIND:\s+Event\nVERSION:\s+v1\n\nFIELD: eventTime <string>/],
      ['cronjobs.spec.jobTemplate.spec.template.spec.containers.resources.limits', /FIELD: limits <map\[string\]Quantity>/],
    ];
    for (const [path, want] of cases) {
      const r = await kubectl('explain', path);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(want);
    }
  });

  it('explain --output plaintext-openapiv2 reads the protobuf v2 document', async () => {
    const r = await kubectl('explain', 'deployment.spec.replicas', '--output', 'plaintext-openapiv2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/FIELD:\s+replicas <integer>/);
    expect(r.stdout).toContain('Number of desired pods.');
  });

  it('apply validates without --validate=false, deferring to the server with fieldValidation=Strict', async () => {
    const r = await kubectl('apply', '-f', writeDeployment('replicas: 2'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/web created\n');
    const post = seen.find((s) => s.method === 'POST' && s.url.startsWith('/apis/apps/v1/namespaces/default/deployments'));
    expect(post?.url).toContain('fieldValidation=Strict');
    // kubectl 1.32 decides from /openapi/v3 alone; it asks for /openapi/v2 only when v3 is missing.
    expect(seen.some((s) => s.url.startsWith('/openapi/v3/apis/apps/v1?hash='))).toBe(true);
  });

  it('apply of a changed object sends a strategic merge patch keyed by container name (patch metadata from v3)', async () => {
    const file = writeDeployment('replicas: 2');
    const applied = (await kubectl('create', '--dry-run=client', '-o', 'json', '-f', file)).stdout;
    const existing = JSON.parse(applied) as { metadata: Record<string, unknown> };
    existing.metadata = {
      ...existing.metadata,
      uid: 'u1',
      resourceVersion: '7',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(JSON.parse(applied)) },
    };
    mode.existing = existing;
    seen.length = 0;
    try {
      writeFileSync(file, readFileSync(file, 'utf8').replace('image: nginx', 'image: nginx:2'));
      const r = await kubectl('apply', '-f', file);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('deployment.apps/web configured\n');
      const patch = seen.find((s) => s.method === 'PATCH');
      expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
      expect(JSON.parse(patch?.body ?? '{}')).toMatchObject({
        spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'web', image: 'nginx:2' }] } } },
      });
    } finally {
      delete mode.existing;
    }
  });

  it('without /openapi/v3 (an older server), apply falls back to the v2 document and still defers to the server', async () => {
    mode.v3 = false;
    seen.length = 0;
    try {
      const r = await kubectl('apply', '-f', writeDeployment('replicas: 2'));
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('deployment.apps/web created\n');
      expect(seen.some((s) => s.url.startsWith('/openapi/v2') && s.accept.includes('protobuf'))).toBe(true);
      expect(seen.find((s) => s.method === 'POST')?.url).toContain('fieldValidation=Strict');
    } finally {
      mode.v3 = true;
    }
  });

  it('when neither document offers fieldValidation, kubectl validates client-side against the v2 schemas', async () => {
    Object.assign(mode, { v3: false, v2FieldValidation: false });
    seen.length = 0;
    try {
      const bad = await kubectl('apply', '-f', writeDeployment('replicasx: 2'));
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('unknown field "replicasx" in io.k8s.api.apps.v1.DeploymentSpec');
      expect(seen.some((s) => s.method === 'POST')).toBe(false);
      const good = await kubectl('apply', '-f', writeDeployment('replicas: 2'));
      expect(good.stderr).toBe('');
      expect(good.stdout).toBe('deployment.apps/web created\n');
    } finally {
      Object.assign(mode, { v3: true, v2FieldValidation: true });
    }
  });
});
