// The remaining kinds `kubectl create` sends through typed clients: networking.k8s.io/v1 Ingress,
// policy/v1 PodDisruptionBudget and scheduling.k8s.io/v1 PriorityClass.
import { definePackage } from './dsl';

export const NETWORKING_V1 = definePackage('k8s.io.api.networking.v1', {
  Ingress: `
    1 metadata ObjectMeta    omitempty
    2 spec     IngressSpec   omitempty
    3 status   IngressStatus omitempty`,
  IngressSpec: `
    4 ingressClassName *string         omitempty
    1 defaultBackend   *IngressBackend omitempty
    2 tls              []IngressTLS    omitempty
    3 rules            []IngressRule   omitempty`,
  IngressBackend: `
    4 service  *IngressServiceBackend     omitempty
    3 resource *TypedLocalObjectReference omitempty`,
  IngressServiceBackend: `
    1 name string
    2 port ServiceBackendPort omitempty`,
  ServiceBackendPort: `
    1 name   string omitempty
    2 number int32  omitempty`,
  IngressTLS: `
    1 hosts      []string omitempty
    2 secretName string   omitempty`,
  // IngressRule embeds IngressRuleValue: `http` sits beside `host` in JSON.
  IngressRule: `
    1 host             string           omitempty
    2 ingressRuleValue IngressRuleValue inline`,
  IngressRuleValue: `1 http *HTTPIngressRuleValue omitempty`,
  HTTPIngressRuleValue: `1 paths []HTTPIngressPath`,
  HTTPIngressPath: `
    1 path     string  omitempty
    3 pathType *string
    2 backend  IngressBackend`,
  IngressStatus: `1 loadBalancer IngressLoadBalancerStatus omitempty`,
  IngressLoadBalancerStatus: `1 ingress []IngressLoadBalancerIngress omitempty`,
  IngressLoadBalancerIngress: `
    1 ip       string              omitempty
    2 hostname string              omitempty
    4 ports    []IngressPortStatus omitempty`,
  IngressPortStatus: `
    1 port     int32
    2 protocol string
    3 error    *string omitempty`,
});

export const POLICY_V1_PDB = definePackage('k8s.io.api.policy.v1', {
  PodDisruptionBudget: `
    1 metadata ObjectMeta                omitempty
    2 spec     PodDisruptionBudgetSpec   omitempty
    3 status   PodDisruptionBudgetStatus omitempty`,
  PodDisruptionBudgetSpec: `
    1 minAvailable               *IntOrString   omitempty
    2 selector                   *LabelSelector omitempty
    3 maxUnavailable             *IntOrString   omitempty
    4 unhealthyPodEvictionPolicy *string        omitempty`,
  PodDisruptionBudgetStatus: `
    1 observedGeneration int64           omitempty
    2 disruptedPods      map[string]Time omitempty
    3 disruptionsAllowed int32
    4 currentHealthy     int32
    5 desiredHealthy     int32
    6 expectedPods       int32
    7 conditions         []Condition     omitempty`,
});

export const SCHEDULING_V1 = definePackage('k8s.io.api.scheduling.v1', {
  PriorityClass: `
    1 metadata         ObjectMeta omitempty
    2 value            int32
    3 globalDefault    bool       omitempty
    4 description      string     omitempty
    5 preemptionPolicy *string    omitempty`,
});
