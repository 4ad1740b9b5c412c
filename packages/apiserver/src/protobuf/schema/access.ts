// What kubectl's typed clients send besides the created kinds: `kubectl auth can-i`
// (SelfSubjectAccessReview), `kubectl auth whoami` (SelfSubjectReview), `kubectl create token`
// (TokenRequest), `kubectl drain` (Eviction) and `kubectl autoscale` (autoscaling/v1
// HorizontalPodAutoscaler).
import { definePackage } from './dsl';

export const AUTHORIZATION_V1 = definePackage('k8s.io.api.authorization.v1', {
  SelfSubjectAccessReview: `
    1 metadata ObjectMeta                  omitempty
    2 spec     SelfSubjectAccessReviewSpec
    3 status   SubjectAccessReviewStatus   omitempty`,
  SelfSubjectAccessReviewSpec: `
    1 resourceAttributes    *ResourceAttributes    omitempty
    2 nonResourceAttributes *NonResourceAttributes omitempty`,
  ResourceAttributes: `
    1 namespace     string                   omitempty
    2 verb          string                   omitempty
    3 group         string                   omitempty
    4 version       string                   omitempty
    5 resource      string                   omitempty
    6 subresource   string                   omitempty
    7 name          string                   omitempty
    8 fieldSelector *FieldSelectorAttributes omitempty
    9 labelSelector *LabelSelectorAttributes omitempty`,
  FieldSelectorAttributes: `
    1 rawSelector  string                     omitempty
    2 requirements []FieldSelectorRequirement omitempty`,
  LabelSelectorAttributes: `
    1 rawSelector  string                     omitempty
    2 requirements []LabelSelectorRequirement omitempty`,
  NonResourceAttributes: `
    1 path string omitempty
    2 verb string omitempty`,
  // allowed has no omitempty: false is written.
  SubjectAccessReviewStatus: `
    1 allowed         bool
    4 denied          bool   omitempty
    2 reason          string omitempty
    3 evaluationError string omitempty`,
});

export const AUTHENTICATION_V1 = definePackage('k8s.io.api.authentication.v1', {
  SelfSubjectReview: `
    1 metadata ObjectMeta              omitempty
    2 status   SelfSubjectReviewStatus omitempty`,
  SelfSubjectReviewStatus: `1 userInfo UserInfo omitempty`,
  UserInfo: `
    1 username string                omitempty
    2 uid      string                omitempty
    3 groups   []string              omitempty
    4 extra    map[string]ExtraValue omitempty`,
  // JSON: a plain array of strings (Go's ExtraValue is a []string).
  ExtraValue: { special: 'stringList', fields: `1 items []string` },
  // audiences, expirationSeconds and boundObjectRef have no omitempty: unset, they are null.
  TokenRequest: `
    1 metadata ObjectMeta         omitempty
    2 spec     TokenRequestSpec
    3 status   TokenRequestStatus omitempty`,
  TokenRequestSpec: `
    1 audiences         []string
    4 expirationSeconds *int64
    3 boundObjectRef    *BoundObjectReference`,
  TokenRequestStatus: `
    1 token               string
    2 expirationTimestamp Time`,
  // Field 4 is named uID in generated.proto; names are not on the wire, the JSON key is uid.
  BoundObjectReference: `
    1 kind       string omitempty
    2 apiVersion string omitempty
    3 name       string omitempty
    4 uid        string omitempty`,
});

export const POLICY_V1 = definePackage('k8s.io.api.policy.v1', {
  Eviction: `
    1 metadata      ObjectMeta     omitempty
    2 deleteOptions *DeleteOptions omitempty`,
});

export const AUTOSCALING_V1 = definePackage('k8s.io.api.autoscaling.v1', {
  HorizontalPodAutoscaler: `
    1 metadata ObjectMeta                    omitempty
    2 spec     HorizontalPodAutoscalerSpec   omitempty
    3 status   HorizontalPodAutoscalerStatus omitempty`,
  HorizontalPodAutoscalerSpec: `
    1 scaleTargetRef                 CrossVersionObjectReference
    2 minReplicas                    *int32 omitempty
    3 maxReplicas                    int32
    4 targetCPUUtilizationPercentage *int32 omitempty`,
  CrossVersionObjectReference: `
    1 kind       string
    2 name       string
    3 apiVersion string omitempty`,
  HorizontalPodAutoscalerStatus: `
    1 observedGeneration              *int64 omitempty
    2 lastScaleTime                   *Time  omitempty
    3 currentReplicas                 int32
    4 desiredReplicas                 int32
    5 currentCPUUtilizationPercentage *int32 omitempty`,
});
