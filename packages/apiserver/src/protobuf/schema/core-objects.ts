// k8s.io/api/core/v1: the top-level kinds kubectl creates (Pod, Service, ConfigMap, Secret,
// Namespace, ResourceQuota, ServiceAccount) and their statuses. A client rarely sends a status, but the message is
// always on the wire (a struct value), so its fields must be known to decode one that is.
import { definePackage } from './dsl';
import { CORE_V1 } from './core-pod';

export const CORE_OBJECTS = definePackage(CORE_V1, {
  Pod: `
    1 metadata ObjectMeta omitempty
    2 spec     PodSpec    omitempty
    3 status   PodStatus  omitempty`,
  PodStatus: `
    1  phase                      string                   omitempty
    2  conditions                 []PodCondition           omitempty
    3  message                    string                   omitempty
    4  reason                     string                   omitempty
    11 nominatedNodeName          string                   omitempty
    5  hostIP                     string                   omitempty
    16 hostIPs                    []HostIP                 omitempty
    6  podIP                      string                   omitempty
    12 podIPs                     []PodIP                  omitempty
    7  startTime                  *Time                    omitempty
    10 initContainerStatuses      []ContainerStatus        omitempty
    8  containerStatuses          []ContainerStatus        omitempty
    9  qosClass                   string                   omitempty
    13 ephemeralContainerStatuses []ContainerStatus        omitempty
    14 resize                     string                   omitempty
    15 resourceClaimStatuses      []PodResourceClaimStatus omitempty`,
  PodCondition: `
    1 type               string
    2 status             string
    3 lastProbeTime      Time   omitempty
    4 lastTransitionTime Time   omitempty
    5 reason             string omitempty
    6 message            string omitempty`,
  HostIP: `1 ip string`,
  PodIP: `1 ip string`,
  ContainerStatus: `
    1  name                     string
    2  state                    ContainerState        omitempty
    3  lastState                ContainerState        omitempty
    4  ready                    bool
    5  restartCount             int32
    6  image                    string
    7  imageID                  string
    8  containerID              string                omitempty
    9  started                  *bool                 omitempty
    10 allocatedResources       map[string]Quantity   omitempty
    11 resources                *ResourceRequirements omitempty
    12 volumeMounts             []VolumeMountStatus   omitempty
    13 user                     *ContainerUser        omitempty
    14 allocatedResourcesStatus []ResourceStatus      omitempty`,
  ContainerState: `
    1 waiting    *ContainerStateWaiting    omitempty
    2 running    *ContainerStateRunning    omitempty
    3 terminated *ContainerStateTerminated omitempty`,
  ContainerStateWaiting: `
    1 reason  string omitempty
    2 message string omitempty`,
  ContainerStateRunning: `1 startedAt Time omitempty`,
  ContainerStateTerminated: `
    1 exitCode    int32
    2 signal      int32  omitempty
    3 reason      string omitempty
    4 message     string omitempty
    5 startedAt   Time   omitempty
    6 finishedAt  Time   omitempty
    7 containerID string omitempty`,
  VolumeMountStatus: `
    1 name              string
    2 mountPath         string
    3 readOnly          bool    omitempty
    4 recursiveReadOnly *string omitempty`,
  ContainerUser: `1 linux *LinuxContainerUser omitempty`,
  LinuxContainerUser: `
    1 uid                int64
    2 gid                int64
    3 supplementalGroups []int64 omitempty`,
  ResourceStatus: `
    1 name      string
    2 resources []ResourceHealth omitempty`,
  ResourceHealth: `
    1 resourceID string
    2 health     string omitempty`,
  PodResourceClaimStatus: `
    1 name              string
    2 resourceClaimName *string omitempty`,

  Service: `
    1 metadata ObjectMeta    omitempty
    2 spec     ServiceSpec   omitempty
    3 status   ServiceStatus omitempty`,
  ServiceSpec: `
    1  ports                         []ServicePort          omitempty
    2  selector                      map[string]string      omitempty
    3  clusterIP                     string                 omitempty
    18 clusterIPs                    []string               omitempty
    4  type                          string                 omitempty
    5  externalIPs                   []string               omitempty
    7  sessionAffinity               string                 omitempty
    8  loadBalancerIP                string                 omitempty
    9  loadBalancerSourceRanges      []string               omitempty
    10 externalName                  string                 omitempty
    11 externalTrafficPolicy         string                 omitempty
    12 healthCheckNodePort           int32                  omitempty
    13 publishNotReadyAddresses      bool                   omitempty
    14 sessionAffinityConfig         *SessionAffinityConfig omitempty
    19 ipFamilies                    []string               omitempty
    17 ipFamilyPolicy                *string                omitempty
    20 allocateLoadBalancerNodePorts *bool                  omitempty
    21 loadBalancerClass             *string                omitempty
    22 internalTrafficPolicy         *string                omitempty
    23 trafficDistribution           *string                omitempty`,
  // targetPort is a struct value: written even when unset (as 0).
  ServicePort: `
    1 name        string      omitempty
    2 protocol    string      omitempty
    6 appProtocol *string     omitempty
    3 port        int32
    4 targetPort  IntOrString omitempty
    5 nodePort    int32       omitempty`,
  SessionAffinityConfig: `1 clientIP *ClientIPConfig omitempty`,
  ClientIPConfig: `1 timeoutSeconds *int32 omitempty`,
  ServiceStatus: `
    1 loadBalancer LoadBalancerStatus omitempty
    2 conditions   []Condition        omitempty`,
  LoadBalancerStatus: `1 ingress []LoadBalancerIngress omitempty`,
  LoadBalancerIngress: `
    1 ip       string       omitempty
    2 hostname string       omitempty
    3 ipMode   *string      omitempty
    4 ports    []PortStatus omitempty`,
  PortStatus: `
    1 port     int32
    2 protocol string
    3 error    *string omitempty`,

  ConfigMap: `
    1 metadata   ObjectMeta        omitempty
    4 immutable  *bool             omitempty
    2 data       map[string]string omitempty
    3 binaryData map[string][]byte omitempty`,
  Secret: `
    1 metadata   ObjectMeta        omitempty
    5 immutable  *bool             omitempty
    2 data       map[string][]byte omitempty
    4 stringData map[string]string omitempty
    3 type       string            omitempty`,

  Namespace: `
    1 metadata ObjectMeta      omitempty
    2 spec     NamespaceSpec   omitempty
    3 status   NamespaceStatus omitempty`,
  NamespaceSpec: `1 finalizers []string omitempty`,
  NamespaceStatus: `
    1 phase      string               omitempty
    2 conditions []NamespaceCondition omitempty`,
  NamespaceCondition: `
    1 type               string
    2 status             string
    4 lastTransitionTime Time   omitempty
    5 reason             string omitempty
    6 message            string omitempty`,

  ResourceQuota: `
    1 metadata ObjectMeta          omitempty
    2 spec     ResourceQuotaSpec   omitempty
    3 status   ResourceQuotaStatus omitempty`,
  ResourceQuotaSpec: `
    1 hard          map[string]Quantity omitempty
    2 scopes        []string            omitempty
    3 scopeSelector *ScopeSelector      omitempty`,
  ScopeSelector: `1 matchExpressions []ScopedResourceSelectorRequirement omitempty`,
  ScopedResourceSelectorRequirement: `
    1 scopeName string
    2 operator  string
    3 values    []string omitempty`,
  ResourceQuotaStatus: `
    1 hard map[string]Quantity omitempty
    2 used map[string]Quantity omitempty`,

  ServiceAccount: `
    1 metadata                     ObjectMeta             omitempty
    2 secrets                      []ObjectReference      omitempty
    3 imagePullSecrets             []LocalObjectReference omitempty
    4 automountServiceAccountToken *bool                  omitempty`,
  ObjectReference: `
    1 kind            string omitempty
    2 namespace       string omitempty
    3 name            string omitempty
    4 uid             string omitempty
    5 apiVersion      string omitempty
    6 resourceVersion string omitempty
    7 fieldPath       string omitempty`,
});
