// k8s.io/api/core/v1: the PodSpec fields that steer scheduling and naming — affinity, tolerations,
// topology spread, DNS, host aliases, scheduling gates, resource claims.
import { definePackage } from './dsl';
import { CORE_V1 } from './core-pod';

export const CORE_SCHEDULING = definePackage(CORE_V1, {
  Affinity: `
    1 nodeAffinity    *NodeAffinity    omitempty
    2 podAffinity     *PodAffinity     omitempty
    3 podAntiAffinity *PodAntiAffinity omitempty`,
  NodeAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution  *NodeSelector             omitempty
    2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm omitempty`,
  NodeSelector: `1 nodeSelectorTerms []NodeSelectorTerm`,
  NodeSelectorTerm: `
    1 matchExpressions []NodeSelectorRequirement omitempty
    2 matchFields      []NodeSelectorRequirement omitempty`,
  NodeSelectorRequirement: `
    1 key      string
    2 operator string
    3 values   []string omitempty`,
  PreferredSchedulingTerm: `
    1 weight     int32
    2 preference NodeSelectorTerm`,
  PodAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         omitempty
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm omitempty`,
  PodAntiAffinity: `
    1 requiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm         omitempty
    2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm omitempty`,
  WeightedPodAffinityTerm: `
    1 weight          int32
    2 podAffinityTerm PodAffinityTerm`,
  PodAffinityTerm: `
    1 labelSelector     *LabelSelector omitempty
    2 namespaces        []string       omitempty
    3 topologyKey       string
    4 namespaceSelector *LabelSelector omitempty
    5 matchLabelKeys    []string       omitempty
    6 mismatchLabelKeys []string       omitempty`,
  Toleration: `
    1 key               string omitempty
    2 operator          string omitempty
    3 value             string omitempty
    4 effect            string omitempty
    5 tolerationSeconds *int64 omitempty`,
  TopologySpreadConstraint: `
    1 maxSkew            int32
    2 topologyKey        string
    3 whenUnsatisfiable  string
    4 labelSelector      *LabelSelector omitempty
    5 minDomains         *int32         omitempty
    6 nodeAffinityPolicy *string        omitempty
    7 nodeTaintsPolicy   *string        omitempty
    8 matchLabelKeys     []string       omitempty`,
  HostAlias: `
    1 ip        string
    2 hostnames []string omitempty`,
  PodDNSConfig: `
    1 nameservers []string             omitempty
    2 searches    []string             omitempty
    3 options     []PodDNSConfigOption omitempty`,
  PodDNSConfigOption: `
    1 name  string  omitempty
    2 value *string omitempty`,
  PodReadinessGate: `1 conditionType string`,
  PodOS: `1 name string`,
  PodSchedulingGate: `1 name string`,
  PodResourceClaim: `
    1 name                      string
    3 resourceClaimName         *string omitempty
    4 resourceClaimTemplateName *string omitempty`,
});
