// The kubectl commands the live test and the golden capture run, and the objects the stand-in
// apiserver serves them.
//
// `kubectl create job --from=cronjob/<name>` copies the CronJob's whole jobTemplate.spec into the
// Job it POSTs, so the `rich` CronJob below is how the real kubectl encoder is made to put most of
// the PodSpec/JobSpec schema on the wire: probes, env sources, resources, volumes, affinity, ...
// (`kubectl run`, the other way to send a pod template, posts JSON, not protobuf.)

export type WireEncoding = 'protobuf' | 'json';

export interface CaptureCase {
  /** Golden file stem: testdata/<name>.pb and testdata/<name>.json. */
  readonly name: string;
  /** kubectl arguments, without --dry-run / -o. */
  readonly args: readonly string[];
  /** The Content-Type kubectl 1.32 sends the object in. */
  readonly encoding: WireEncoding;
}

/** A value that is not UTF-8, so `create configmap --from-file` puts it in binaryData. */
export const BINARY_FILE_BYTES = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a]);

/** The case's arguments for `--dry-run=client -o json`: the flags go before a `--` command. */
export function dryRunArgs(args: readonly string[]): string[] {
  const flags = ['--dry-run=client', '-o', 'json'];
  const dashes = args.indexOf('--');
  return dashes < 0 ? [...args, ...flags] : [...args.slice(0, dashes), ...flags, ...args.slice(dashes)];
}

/** The commands of the brief, plus a few variants that reach more of the schema. */
export function captureCases(binaryFile: string): CaptureCase[] {
  const pb = (name: string, args: string[]): CaptureCase => ({ name, args, encoding: 'protobuf' });
  return [
    pb('create-deployment', ['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3', '--port=80']),
    pb('create-deployment-two-images', ['create', 'deployment', 'pair', '--image=nginx', '--image=redis', '--replicas=0']),
    pb('create-service-clusterip', ['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443:https']),
    pb('create-service-headless', ['create', 'service', 'clusterip', 'db', '--clusterip=None']),
    pb('create-service-nodeport', ['create', 'service', 'nodeport', 'edge', '--tcp=80:8080', '--node-port=30080']),
    pb('create-service-externalname', ['create', 'service', 'externalname', 'ext', '--external-name=db.example.com']),
    pb('create-configmap', ['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=greeting=hello world', `--from-file=blob=${binaryFile}`]),
    pb('create-secret-generic', ['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t', `--from-file=blob=${binaryFile}`, '--type=Opaque']),
    pb('create-secret-docker-registry', ['create', 'secret', 'docker-registry', 'reg', '--docker-server=r.example.com', '--docker-username=u', '--docker-password=p']),
    pb('create-namespace', ['create', 'namespace', 'team-a']),
    pb('create-job', ['create', 'job', 'pi', '--image=perl:5.34', '--', 'perl', '-Mbignum=bpi', '-wle', 'print bpi(20)']),
    pb('create-cronjob', ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--restart=OnFailure', '--', 'date']),
    pb('create-job-from-cronjob', ['create', 'job', 'tick-manual', '--from=cronjob/tick']),
    pb('create-job-from-rich-cronjob', ['create', 'job', 'rich-manual', '--from=cronjob/rich']),
    pb('create-serviceaccount', ['create', 'serviceaccount', 'robot']),
    pb('create-role', ['create', 'role', 'reader', '--verb=get', '--verb=list', '--resource=pods', '--resource=deployments.apps', '--resource-name=web']),
    pb('create-rolebinding', ['create', 'rolebinding', 'read-pods', '--role=reader', '--user=alice', '--group=devs', '--serviceaccount=default:robot']),
    pb('create-clusterrole-aggregated', ['create', 'clusterrole', 'monitoring', '--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true']),
    pb('create-clusterrole-nonresource', ['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/livez']),
    pb('create-clusterrolebinding', ['create', 'clusterrolebinding', 'health', '--clusterrole=health', '--group=system:authenticated']),
    pb('create-quota', ['create', 'quota', 'q', '--hard=pods=10,requests.cpu=0.5,limits.memory=2Gi', '--scopes=NotTerminating']),
    pb('create-priorityclass', ['create', 'priorityclass', 'high', '--value=1000', '--description=important', '--preemption-policy=Never']),
    pb('create-pdb', ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=50%']),
    pb('create-pdb-max-unavailable', ['create', 'poddisruptionbudget', 'db', '--selector=app=db', '--max-unavailable=1']),
    pb('create-ingress', ['create', 'ingress', 'web', '--class=nginx', '--rule=foo.com/bar*=svc:8080,tls=cert', '--rule=/path=other:http', '--default-backend=defsvc:80']),
    pb('autoscale', ['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=80']),
    { name: 'run', args: ['run', 'nginx', '--image=nginx', '--port=80', '--env=A=B', '--labels=app=x', '--restart=Never'], encoding: 'json' },
  ];
}

const TICK_CRONJOB = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: 'default', uid: '5f0c8e1e-7d2a-4c36-9a43-0d3c1d8a6b11', resourceVersion: '42', creationTimestamp: '2024-01-02T03:04:05Z' },
  spec: {
    schedule: '*/5 * * * *',
    concurrencyPolicy: 'Allow',
    jobTemplate: {
      metadata: { labels: { app: 'tick' }, annotations: { owner: 'ops' } },
      spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'tick', image: 'busybox', command: ['date'] }] } } },
    },
  },
  status: {},
};

const RICH_CONTAINER = {
  name: 'main',
  image: 'nginx',
  args: ['--verbose'],
  workingDir: '/work',
  imagePullPolicy: 'Always',
  ports: [
    { name: 'http', containerPort: 8080, protocol: 'TCP' },
    { containerPort: 9090, hostPort: 19090, hostIP: '127.0.0.1', protocol: 'UDP' },
  ],
  envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'creds', optional: true } }],
  env: [
    { name: 'A', value: '1' },
    { name: 'EMPTY' },
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'main', resource: 'requests.cpu' } } },
    { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'pass' } } },
    { name: 'CFG', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'a', optional: false } } },
  ],
  resources: { limits: { cpu: '1', memory: '256Mi', 'example.com/gpu': '1' }, requests: { cpu: '0.25', memory: '100M' } },
  volumeMounts: [
    { name: 'scratch', mountPath: '/scratch' },
    { name: 'cfg', mountPath: '/etc/cfg', readOnly: true, subPath: 'a.txt' },
    { name: 'host', mountPath: '/host', mountPropagation: 'HostToContainer' },
  ],
  livenessProbe: {
    httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] },
    initialDelaySeconds: 3,
    timeoutSeconds: 2,
    periodSeconds: 5,
    successThreshold: 1,
    failureThreshold: 4,
    terminationGracePeriodSeconds: 10,
  },
  readinessProbe: { tcpSocket: { port: 8080 } },
  startupProbe: { grpc: { port: 9090 } },
  lifecycle: { postStart: { exec: { command: ['echo', 'up'] } }, preStop: { sleep: { seconds: 5 } } },
  securityContext: {
    runAsUser: 0,
    runAsNonRoot: false,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  },
  terminationMessagePolicy: 'FallbackToLogsOnError',
  stdin: true,
  tty: true,
};

const RICH_POD_SPEC = {
  restartPolicy: 'Never',
  initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }],
  containers: [RICH_CONTAINER],
  volumes: [
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.txt', mode: 256 }], defaultMode: 420, optional: true } },
    { name: 'sec', secret: { secretName: 'creds', defaultMode: 256 } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    {
      name: 'proj',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'api' } },
          { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { claim: 'eph' } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            storageClassName: 'fast',
            dataSource: { kind: 'PersistentVolumeClaim', name: 'seed' },
            dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'seed' },
          },
        },
      },
    },
    // Each of these probes a JSON tag: a present but empty pointer, and fields without omitempty.
    { name: 'empty', emptyDir: {} },
    { name: 'proj-none', projected: { defaultMode: 420 } },
    { name: 'sio', scaleIO: { gateway: 'gw', system: 'sys' } },
    { name: 'rbd', rbd: { image: 'img' } },
    { name: 'csi', csi: { driver: 'csi.example.com', volumeAttributes: { size: '1' }, readOnly: false } },
  ],
  terminationGracePeriodSeconds: 0,
  activeDeadlineSeconds: 900,
  dnsPolicy: 'None',
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  nodeSelector: { disk: 'ssd' },
  serviceAccountName: 'robot',
  automountServiceAccountToken: false,
  shareProcessNamespace: true,
  securityContext: { fsGroup: 2000, supplementalGroups: [1, 2], sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65535' }] },
  imagePullSecrets: [{ name: 'reg' }],
  hostname: 'rich',
  subdomain: 'jobs',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] } }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 50,
          podAffinityTerm: { labelSelector: { matchLabels: { app: 'rich' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, topologyKey: 'kubernetes.io/hostname' },
        },
      ],
    },
  },
  tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { operator: 'Exists' }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
  priorityClassName: 'high',
  priority: 0,
  readinessGates: [{ conditionType: 'example.com/ready' }],
  runtimeClassName: 'gvisor',
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  overhead: { cpu: '10m' },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'rich' } }, minDomains: 2 }],
  setHostnameAsFQDN: false,
  os: { name: 'linux' },
  hostUsers: true,
  schedulingGates: [{ name: 'example.com/wait' }],
};

const RICH_CRONJOB = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'rich', namespace: 'default', uid: '0b5e3c52-91a4-4f0e-8d27-6f1c2a9e7d40', resourceVersion: '43' },
  spec: {
    schedule: '@hourly',
    jobTemplate: {
      metadata: { labels: { app: 'rich', tier: 'batch' } },
      spec: {
        parallelism: 2,
        completions: 4,
        activeDeadlineSeconds: 600,
        backoffLimit: 0,
        backoffLimitPerIndex: 1,
        maxFailedIndexes: 2,
        completionMode: 'Indexed',
        suspend: false,
        ttlSecondsAfterFinished: 0,
        podReplacementPolicy: 'Failed',
        successPolicy: { rules: [{ succeededCount: 1 }, { succeededIndexes: '0-1' }] },
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42, 43] } },
            { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0] } },
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          ],
        },
        template: {
          metadata: { labels: { app: 'rich' }, annotations: { 'example.com/note': 'copied' }, creationTimestamp: '2024-01-02T03:04:05Z' },
          spec: RICH_POD_SPEC,
        },
      },
    },
  },
  status: {},
};

const WEB_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: '9d3c2b1a-0f4e-4d5c-8b7a-6e5f4d3c2b1a', resourceVersion: '44' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
  },
  status: {},
};

const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', resourceVersion: '45' }, spec: {}, status: {} };

const NODE_POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-abc',
    namespace: 'default',
    uid: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
    resourceVersion: '46',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4c', uid: '3e4f5a6b-7c8d-4e9f-0a1b-2c3d4e5f6a7b', controller: true }],
  },
  spec: { nodeName: 'n1', containers: [{ name: 'nginx', image: 'nginx' }] },
  status: { phase: 'Running' },
};

/** What the stand-in answers GET (and PATCH) with, by path: what commands read before they write. */
export const STAND_IN_OBJECTS: Readonly<Record<string, object>> = {
  '/apis/batch/v1/namespaces/default/cronjobs/tick': TICK_CRONJOB,
  '/apis/batch/v1/namespaces/default/cronjobs/rich': RICH_CRONJOB,
  '/apis/apps/v1/namespaces/default/deployments/web': WEB_DEPLOYMENT,
  '/api/v1/nodes/n1': NODE,
  '/api/v1/pods': { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '47' }, items: [NODE_POD] },
  '/api/v1/namespaces/default/pods/web-abc': NODE_POD,
};

export interface TypedRequestCase {
  readonly name: string;
  readonly args: readonly string[];
  /** The path kubectl POSTs the object to. */
  readonly path: string;
  readonly encoding: WireEncoding;
  /**
   * The JSON kube-apiserver's encoding/json writes for what kubectl sends. These commands have no
   * --dry-run=client -o json, so the object is written out here from what the flags ask for.
   */
  readonly expected: object;
}

/** kubectl commands that POST something other than a created object. */
export const TYPED_REQUEST_CASES: readonly TypedRequestCase[] = [
  {
    name: 'auth-can-i',
    args: ['auth', 'can-i', 'create', 'pods'],
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    encoding: 'protobuf',
    expected: {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      status: { allowed: false },
    },
  },
  {
    name: 'auth-whoami',
    args: ['auth', 'whoami'],
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    encoding: 'protobuf',
    expected: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: {} } },
  },
  {
    name: 'create-token',
    args: ['create', 'token', 'robot', '--audience=api', '--duration=1h', '--bound-object-kind=Pod', '--bound-object-name=web-abc', '--bound-object-uid=2d3e4f5a'],
    path: '/api/v1/namespaces/default/serviceaccounts/robot/token',
    encoding: 'protobuf',
    expected: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-abc', uid: '2d3e4f5a' } },
      status: { token: '', expirationTimestamp: null },
    },
  },
  {
    name: 'drain',
    args: ['drain', 'n1', '--grace-period=30', '--timeout=30s'],
    path: '/api/v1/namespaces/default/pods/web-abc/eviction',
    // drain's eviction client speaks JSON.
    encoding: 'json',
    expected: {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'web-abc', namespace: 'default', creationTimestamp: null },
      deleteOptions: { gracePeriodSeconds: 30 },
    },
  },
];
