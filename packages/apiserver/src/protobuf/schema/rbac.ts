// k8s.io/api/rbac/v1: the roles and bindings `kubectl create role|rolebinding|clusterrole|
// clusterrolebinding` send.
import { definePackage } from './dsl';

export const RBAC_V1 = definePackage('k8s.io.api.rbac.v1', {
  // rules has no omitempty: a role without rules is written as "rules": null.
  Role: `
    1 metadata ObjectMeta omitempty
    2 rules    []PolicyRule`,
  ClusterRole: `
    1 metadata        ObjectMeta       omitempty
    2 rules           []PolicyRule
    3 aggregationRule *AggregationRule omitempty`,
  AggregationRule: `1 clusterRoleSelectors []LabelSelector omitempty`,
  PolicyRule: `
    1 verbs           []string
    2 apiGroups       []string omitempty
    3 resources       []string omitempty
    4 resourceNames   []string omitempty
    5 nonResourceURLs []string omitempty`,
  RoleBinding: `
    1 metadata ObjectMeta omitempty
    2 subjects []Subject  omitempty
    3 roleRef  RoleRef`,
  ClusterRoleBinding: `
    1 metadata ObjectMeta omitempty
    2 subjects []Subject  omitempty
    3 roleRef  RoleRef`,
  Subject: `
    1 kind      string
    2 apiGroup  string omitempty
    3 name      string
    4 namespace string omitempty`,
  RoleRef: `
    1 apiGroup string
    2 kind     string
    3 name     string`,
});
