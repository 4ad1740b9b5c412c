// schemas.json is generated (scripts/gen-openapi.mjs) and committed; these tests keep it honest.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RESOURCES } from '@kubemu/api';
import { definitionFor, definitionName, definitions, fieldDescription } from './definitions';

const root = path.resolve(__dirname, '..', '..', '..', '..');

describe('schemas.json', () => {
  it('is what scripts/gen-openapi.mjs generates from client-node and RESOURCES today', () => {
    const generated = execFileSync(process.execPath, [path.join(root, 'scripts', 'gen-openapi.mjs'), '--stdout'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
    const committed = readFileSync(path.join(__dirname, 'schemas.json'), 'utf8');
    // A mismatch means: run `node scripts/gen-openapi.mjs` and commit the result.
    expect(generated === committed).toBe(true);
  });

  it('has a definition for every kind in RESOURCES', () => {
    const missing = RESOURCES.filter((r) => definitionFor(r) === undefined).map((r) => definitionName(r));
    expect(missing).toEqual([]);
  });

  it('names definitions by Go package, as Kubernetes publishes them', () => {
    const names = Object.keys(definitions());
    expect(names).toEqual(
      expect.arrayContaining([
        'io.k8s.api.core.v1.Pod',
        'io.k8s.api.core.v1.PodTemplateSpec',
        'io.k8s.api.core.v1.Event',
        'io.k8s.api.apps.v1.Deployment',
        'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
        'io.k8s.api.rbac.v1.Subject',
        'io.k8s.api.coordination.v1.Lease',
        'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
        'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
        'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
        'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
        'io.k8s.apimachinery.pkg.api.resource.Quantity',
      ]),
    );
    // Types a group only borrows stay in their own package.
    expect(names.some((n) => /^io\.k8s\.api\.apps\.v1\.(PodTemplateSpec|ObjectMeta|LabelSelector)$/.test(n))).toBe(false);
  });

  it('types fields the way Kubernetes does', () => {
    const d = definitions();
    const spec = d['io.k8s.api.apps.v1.DeploymentSpec'];
    expect(spec?.required).toEqual(['selector', 'template']);
    expect(spec?.properties?.replicas).toMatchObject({ type: 'integer', format: 'int32' });
    expect(spec?.properties?.template?.$ref).toBe('#/definitions/io.k8s.api.core.v1.PodTemplateSpec');
    expect(d['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']?.properties?.creationTimestamp?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    expect(d['io.k8s.api.coordination.v1.LeaseSpec']?.properties?.renewTime?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime');
    expect(d['io.k8s.api.core.v1.ResourceRequirements']?.properties?.limits?.additionalProperties).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' });
    expect(d['io.k8s.api.core.v1.ContainerPort']?.properties?.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(d['io.k8s.api.core.v1.Secret']?.properties?.data?.additionalProperties).toEqual({ type: 'string', format: 'byte' });
    expect(d['io.k8s.api.apps.v1.RollingUpdateDeployment']?.properties?.maxSurge?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    expect(d['io.k8s.api.apps.v1.ControllerRevision']?.properties?.data?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension');
  });

  it('carries the strategic-merge-patch metadata kubectl apply merges lists by', () => {
    const d = definitions();
    expect(d['io.k8s.api.core.v1.PodSpec']?.properties?.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(d['io.k8s.api.core.v1.PodSpec']?.properties?.volumes).toMatchObject({ 'x-kubernetes-patch-strategy': 'merge,retainKeys' });
    expect(d['io.k8s.api.core.v1.Container']?.properties?.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort' });
    expect(d['io.k8s.api.core.v1.ServiceSpec']?.properties?.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'port' });
    expect(d['io.k8s.api.apps.v1.DeploymentSpec']?.properties?.strategy).toMatchObject({ 'x-kubernetes-patch-strategy': 'retainKeys' });
  });

  it('documents kinds and fields with the descriptions kubectl explain prints', () => {
    expect(definitions()['io.k8s.api.apps.v1.Deployment']?.description).toBe('Deployment enables declarative updates for Pods and ReplicaSets.');
    expect(fieldDescription('io.k8s.api.apps.v1.DeploymentSpec', 'replicas')).toContain('Number of desired pods.');
    // The library escapes quotes in its .d.ts; the definitions must not.
    expect(fieldDescription('io.k8s.api.core.v1.EmptyDirVolumeSource', 'medium')).toContain('The default is "" which');
  });
});
