import type { Deployment } from '../types';
import { validateCreate } from '../validation/validate';
import { applyDefaults, defaultCronJob, defaultJob, defaultPod, defaultService, defaultStatefulSet } from './defaults';
import { defaultImagePullPolicy } from './pod';

// The example of https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
const docsDeployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', namespace: 'default', labels: { app: 'nginx' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
    },
  },
};

describe('defaulting', () => {
  it('fills the docs Deployment as a real cluster does (kubectl get -o yaml)', () => {
    const d = applyDefaults(docsDeployment);
    expect(d.spec).toEqual({
      progressDeadlineSeconds: 600,
      replicas: 3,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              image: 'nginx:1.14.2',
              imagePullPolicy: 'IfNotPresent',
              name: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    });
    expect(docsDeployment.spec?.strategy).toBeUndefined(); // the input is not touched
    expect(validateCreate(d)).toEqual([]);
  });

  it('defaults replicas to 1 and keeps what is set', () => {
    const d = applyDefaults({ ...docsDeployment, spec: { ...docsDeployment.spec!, replicas: undefined, strategy: { type: 'Recreate' } } });
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.strategy).toEqual({ type: 'Recreate' });
  });

  it('chooses the image pull policy from the tag', () => {
    expect(defaultImagePullPolicy('nginx')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:latest')).toBe('Always');
    expect(defaultImagePullPolicy('nginx:1.27')).toBe('IfNotPresent');
    expect(defaultImagePullPolicy('localhost:5000/nginx')).toBe('Always');
    expect(defaultImagePullPolicy('nginx@sha256:abcd')).toBe('IfNotPresent');
  });

  it('defaults a pod with the admission-added fields', () => {
    const p = defaultPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1' } }, readinessProbe: { httpGet: { port: 80 } } }] },
    });
    expect(p.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
    });
    const c = p.spec?.containers[0];
    expect(c?.imagePullPolicy).toBe('Always');
    expect(c?.resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '1' } });
    expect(c?.readinessProbe).toEqual({ httpGet: { port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  });

  it('defaults services: type, affinity, protocol, targetPort and traffic policies', () => {
    const s = defaultService({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } });
    expect(s.spec).toEqual({
      selector: { app: 'x' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
    });
    const np = defaultService({ spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } });
    expect(np.spec?.externalTrafficPolicy).toBe('Cluster');
    expect(np.spec?.ports?.[0]?.targetPort).toBe('http');
  });

  it('defaults jobs: completions only when parallelism is unset too', () => {
    const tpl = { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'perl:5.34' }] } };
    expect(defaultJob({ spec: { template: tpl } }).spec).toMatchObject({
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      podReplacementPolicy: 'TerminatingOrFailed',
    });
    const queue = defaultJob({ spec: { parallelism: 5, template: tpl } }).spec;
    expect(queue?.completions).toBeUndefined();
    expect(queue?.parallelism).toBe(5);
  });

  it('defaults cronjobs and statefulsets', () => {
    const cj = defaultCronJob({ spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.28' }] } } } } } });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(cj.spec?.jobTemplate.spec?.backoffLimit).toBeUndefined();
    expect(cj.spec?.jobTemplate.spec?.template.spec?.dnsPolicy).toBe('ClusterFirst');
    const sts = defaultStatefulSet({ spec: { serviceName: 'nginx', selector: {}, template: {} } });
    expect(sts.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
  });

  it('leaves kinds without defaults unchanged', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    expect(applyDefaults(cm)).toEqual(cm);
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } })).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n' },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  });
});
