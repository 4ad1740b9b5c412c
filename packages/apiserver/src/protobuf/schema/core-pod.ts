// k8s.io/api/core/v1: the pod template — PodSpec, Container and what hangs off them (probes,
// environment, resources, security, scheduling). Volumes are in core-volumes.ts, the top-level
// kinds and statuses in core-objects.ts. Fields added after Kubernetes 1.32 are left out on
// purpose: a 1.32 apiserver does not know them either.
import { definePackage } from './dsl';

export const CORE_V1 = 'k8s.io.api.core.v1';

const CONTAINER = `
  1  name                     string                  
  2  image                    string                  omitempty
  3  command                  []string                omitempty
  4  args                     []string                omitempty
  5  workingDir               string                  omitempty
  6  ports                    []ContainerPort         omitempty
  19 envFrom                  []EnvFromSource         omitempty
  7  env                      []EnvVar                omitempty
  8  resources                ResourceRequirements    omitempty
  23 resizePolicy             []ContainerResizePolicy omitempty
  24 restartPolicy            *string                 omitempty
  9  volumeMounts             []VolumeMount           omitempty
  21 volumeDevices            []VolumeDevice          omitempty
  10 livenessProbe            *Probe                  omitempty
  11 readinessProbe           *Probe                  omitempty
  22 startupProbe             *Probe                  omitempty
  12 lifecycle                *Lifecycle              omitempty
  13 terminationMessagePath   string                  omitempty
  20 terminationMessagePolicy string                  omitempty
  14 imagePullPolicy          string                  omitempty
  15 securityContext          *SecurityContext        omitempty
  16 stdin                    bool                    omitempty
  17 stdinOnce                bool                    omitempty
  18 tty                      bool                    omitempty`;

export const CORE_POD = definePackage(CORE_V1, {
  PodTemplateSpec: `
    1 metadata ObjectMeta omitempty
    2 spec     PodSpec    omitempty`,
  PodSpec: `
    1  volumes                       []Volume                   omitempty
    20 initContainers                []Container                omitempty
    2  containers                    []Container
    34 ephemeralContainers           []EphemeralContainer       omitempty
    3  restartPolicy                 string                     omitempty
    4  terminationGracePeriodSeconds *int64                     omitempty
    5  activeDeadlineSeconds         *int64                     omitempty
    6  dnsPolicy                     string                     omitempty
    7  nodeSelector                  map[string]string          omitempty
    8  serviceAccountName            string                     omitempty
    9  serviceAccount                string                     omitempty
    21 automountServiceAccountToken  *bool                      omitempty
    10 nodeName                      string                     omitempty
    11 hostNetwork                   bool                       omitempty
    12 hostPID                       bool                       omitempty
    13 hostIPC                       bool                       omitempty
    27 shareProcessNamespace         *bool                      omitempty
    14 securityContext               *PodSecurityContext        omitempty
    15 imagePullSecrets              []LocalObjectReference     omitempty
    16 hostname                      string                     omitempty
    17 subdomain                     string                     omitempty
    18 affinity                      *Affinity                  omitempty
    19 schedulerName                 string                     omitempty
    22 tolerations                   []Toleration               omitempty
    23 hostAliases                   []HostAlias                omitempty
    24 priorityClassName             string                     omitempty
    25 priority                      *int32                     omitempty
    26 dnsConfig                     *PodDNSConfig              omitempty
    28 readinessGates                []PodReadinessGate         omitempty
    29 runtimeClassName              *string                    omitempty
    30 enableServiceLinks            *bool                      omitempty
    31 preemptionPolicy              *string                    omitempty
    32 overhead                      map[string]Quantity        omitempty
    33 topologySpreadConstraints     []TopologySpreadConstraint omitempty
    35 setHostnameAsFQDN             *bool                      omitempty
    36 os                            *PodOS                     omitempty
    37 hostUsers                     *bool                      omitempty
    38 schedulingGates               []PodSchedulingGate        omitempty
    39 resourceClaims                []PodResourceClaim         omitempty
    40 resources                     *ResourceRequirements      omitempty`,
  Container: CONTAINER,
  // The same fields as Container on the wire; JSON inlines them into EphemeralContainer.
  EphemeralContainerCommon: CONTAINER,
  EphemeralContainer: `
    1 ephemeralContainerCommon EphemeralContainerCommon inline
    2 targetContainerName      string omitempty`,
  ContainerPort: `
    1 name          string omitempty
    2 hostPort      int32  omitempty
    3 containerPort int32
    4 protocol      string omitempty
    5 hostIP        string omitempty`,
  VolumeMount: `
    1 name              string  
    2 readOnly          bool    omitempty
    7 recursiveReadOnly *string omitempty
    3 mountPath         string
    4 subPath           string  omitempty
    5 mountPropagation  *string omitempty
    6 subPathExpr       string  omitempty`,
  VolumeDevice: `
    1 name       string
    2 devicePath string`,
  EnvVar: `
    1 name      string
    2 value     string        omitempty
    3 valueFrom *EnvVarSource omitempty`,
  EnvVarSource: `
    1 fieldRef         *ObjectFieldSelector   omitempty
    2 resourceFieldRef *ResourceFieldSelector omitempty
    3 configMapKeyRef  *ConfigMapKeySelector  omitempty
    4 secretKeyRef     *SecretKeySelector     omitempty`,
  ObjectFieldSelector: `
    1 apiVersion string omitempty
    2 fieldPath  string`,
  // divisor is a struct value, so encoding/json writes it even when zero ("0").
  ResourceFieldSelector: `
    1 containerName string   omitempty
    2 resource      string
    3 divisor       Quantity omitempty`,
  ConfigMapKeySelector: `
    1 localObjectReference LocalObjectReference inline
    2 key                  string
    3 optional             *bool omitempty`,
  SecretKeySelector: `
    1 localObjectReference LocalObjectReference inline
    2 key                  string
    3 optional             *bool omitempty`,
  EnvFromSource: `
    1 prefix       string              omitempty
    2 configMapRef *ConfigMapEnvSource omitempty
    3 secretRef    *SecretEnvSource    omitempty`,
  ConfigMapEnvSource: `
    1 localObjectReference LocalObjectReference inline
    2 optional             *bool omitempty`,
  SecretEnvSource: `
    1 localObjectReference LocalObjectReference inline
    2 optional             *bool omitempty`,
  LocalObjectReference: `1 name string omitempty`,
  ResourceRequirements: `
    1 limits   map[string]Quantity omitempty
    2 requests map[string]Quantity omitempty
    3 claims   []ResourceClaim     omitempty`,
  ResourceClaim: `
    1 name    string
    2 request string omitempty`,
  ContainerResizePolicy: `
    1 resourceName  string
    2 restartPolicy string`,
  Probe: `
    1 handler                       ProbeHandler inline
    2 initialDelaySeconds           int32  omitempty
    3 timeoutSeconds                int32  omitempty
    4 periodSeconds                 int32  omitempty
    5 successThreshold              int32  omitempty
    6 failureThreshold              int32  omitempty
    7 terminationGracePeriodSeconds *int64 omitempty`,
  ProbeHandler: `
    1 exec      *ExecAction      omitempty
    2 httpGet   *HTTPGetAction   omitempty
    3 tcpSocket *TCPSocketAction omitempty
    4 grpc      *GRPCAction      omitempty`,
  LifecycleHandler: `
    1 exec      *ExecAction      omitempty
    2 httpGet   *HTTPGetAction   omitempty
    3 tcpSocket *TCPSocketAction omitempty
    4 sleep     *SleepAction     omitempty`,
  Lifecycle: `
    1 postStart *LifecycleHandler omitempty
    2 preStop   *LifecycleHandler omitempty`,
  ExecAction: `1 command []string omitempty`,
  HTTPGetAction: `
    1 path        string       omitempty
    2 port        IntOrString
    3 host        string       omitempty
    4 scheme      string       omitempty
    5 httpHeaders []HTTPHeader omitempty`,
  HTTPHeader: `
    1 name  string
    2 value string`,
  TCPSocketAction: `
    1 port IntOrString
    2 host string omitempty`,
  // service has no omitempty: a nil pointer is written as null.
  GRPCAction: `
    1 port    int32
    2 service *string`,
  SleepAction: `1 seconds int64`,
  SecurityContext: `
    1  capabilities             *Capabilities                  omitempty
    2  privileged               *bool                          omitempty
    3  seLinuxOptions           *SELinuxOptions                omitempty
    10 windowsOptions           *WindowsSecurityContextOptions omitempty
    4  runAsUser                *int64                         omitempty
    8  runAsGroup               *int64                         omitempty
    5  runAsNonRoot             *bool                          omitempty
    6  readOnlyRootFilesystem   *bool                          omitempty
    7  allowPrivilegeEscalation *bool                          omitempty
    9  procMount                *string                        omitempty
    11 seccompProfile           *SeccompProfile                omitempty
    12 appArmorProfile          *AppArmorProfile               omitempty`,
  PodSecurityContext: `
    1  seLinuxOptions           *SELinuxOptions                omitempty
    8  windowsOptions           *WindowsSecurityContextOptions omitempty
    2  runAsUser                *int64                         omitempty
    6  runAsGroup               *int64                         omitempty
    3  runAsNonRoot             *bool                          omitempty
    4  supplementalGroups       []int64                        omitempty
    12 supplementalGroupsPolicy *string                        omitempty
    5  fsGroup                  *int64                         omitempty
    7  sysctls                  []Sysctl                       omitempty
    9  fsGroupChangePolicy      *string                        omitempty
    10 seccompProfile           *SeccompProfile                omitempty
    11 appArmorProfile          *AppArmorProfile               omitempty
    13 seLinuxChangePolicy      *string                        omitempty`,
  Capabilities: `
    1 add  []string omitempty
    2 drop []string omitempty`,
  SELinuxOptions: `
    1 user  string omitempty
    2 role  string omitempty
    3 type  string omitempty
    4 level string omitempty`,
  WindowsSecurityContextOptions: `
    1 gmsaCredentialSpecName *string omitempty
    2 gmsaCredentialSpec     *string omitempty
    3 runAsUserName          *string omitempty
    4 hostProcess            *bool   omitempty`,
  SeccompProfile: `
    1 type             string
    2 localhostProfile *string omitempty`,
  AppArmorProfile: `
    1 type             string
    2 localhostProfile *string omitempty`,
  Sysctl: `
    1 name  string
    2 value string`,
});
