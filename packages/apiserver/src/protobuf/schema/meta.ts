// k8s.io/apimachinery: the envelope (runtime.Unknown), object metadata and the value types with
// their own JSON encodings (Time, Quantity, IntOrString, FieldsV1). Field numbers and JSON tags as
// in apimachinery's types.go / generated.proto, as a 1.32 apiserver knows them.
import { definePackage } from './dsl';

/** runtime.Unknown wraps every protobuf body after the 4-byte "k8s\0" magic. */
export const RUNTIME = definePackage('k8s.io.apimachinery.pkg.runtime', {
  // Note the numbering: runtime.TypeMeta has apiVersion = 1, kind = 2 (metav1.TypeMeta is the
  // other way round, but it never travels in protobuf).
  TypeMeta: `
    1 apiVersion string omitempty
    2 kind       string omitempty`,
  Unknown: `
    1 typeMeta        TypeMeta
    2 raw             []byte
    3 contentEncoding string
    4 contentType     string`,
});

export const RESOURCE = definePackage('k8s.io.apimachinery.pkg.api.resource', {
  // JSON: the canonical form of the parsed quantity ("0.5" -> "500m").
  Quantity: { special: 'quantity', fields: `1 string string` },
});

export const INTSTR = definePackage('k8s.io.apimachinery.pkg.util.intstr', {
  // JSON: intVal when type is 0 (Int), strVal when type is 1 (String).
  IntOrString: {
    special: 'intOrString',
    fields: `
      1 type   int64
      2 intVal int32
      3 strVal string`,
  },
});

export const META_V1 = definePackage('k8s.io.apimachinery.pkg.apis.meta.v1', {
  // JSON: null for an empty message, else RFC 3339 in UTC at second precision (Time.Unmarshal
  // drops nanos on purpose, to match what JSON clients can store).
  Time: {
    special: 'time',
    fields: `
      1 seconds int64
      2 nanos   int32`,
  },
  // JSON: the raw bytes, which are themselves a JSON object.
  FieldsV1: { special: 'fieldsV1', fields: `1 Raw []byte` },
  ObjectMeta: `
    1  name                       string              omitempty
    2  generateName               string              omitempty
    3  namespace                  string              omitempty
    4  selfLink                   string              omitempty
    5  uid                        string              omitempty
    6  resourceVersion            string              omitempty
    7  generation                 int64               omitempty
    8  creationTimestamp          Time                omitempty
    9  deletionTimestamp          *Time               omitempty
    10 deletionGracePeriodSeconds *int64              omitempty
    11 labels                     map[string]string   omitempty
    12 annotations                map[string]string   omitempty
    13 ownerReferences            []OwnerReference    omitempty
    14 finalizers                 []string            omitempty
    17 managedFields              []ManagedFieldsEntry omitempty`,
  OwnerReference: `
    5 apiVersion         string
    1 kind               string
    3 name               string
    4 uid                string
    6 controller         *bool omitempty
    7 blockOwnerDeletion *bool omitempty`,
  ManagedFieldsEntry: `
    1 manager     string    omitempty
    2 operation   string    omitempty
    3 apiVersion  string    omitempty
    4 time        *Time     omitempty
    6 fieldsType  string    omitempty
    7 fieldsV1    *FieldsV1 omitempty
    8 subresource string    omitempty`,
  LabelSelector: `
    1 matchLabels      map[string]string          omitempty
    2 matchExpressions []LabelSelectorRequirement omitempty`,
  LabelSelectorRequirement: `
    1 key      string
    2 operator string
    3 values   []string omitempty`,
  // DeleteOptions embeds TypeMeta, which is not part of its protobuf message: decoded from a
  // nested message its kind and apiVersion are empty, so JSON has neither.
  DeleteOptions: `
    1 gracePeriodSeconds                               *int64         omitempty
    2 preconditions                                    *Preconditions omitempty
    3 orphanDependents                                 *bool          omitempty
    4 propagationPolicy                                *string        omitempty
    5 dryRun                                           []string       omitempty
    6 ignoreStoreReadErrorWithClusterBreakingPotential *bool          omitempty`,
  Preconditions: `
    1 uid             *string omitempty
    2 resourceVersion *string omitempty`,
  FieldSelectorRequirement: `
    1 key      string
    2 operator string
    3 values   []string omitempty`,
  Condition: `
    1 type               string
    2 status             string
    3 observedGeneration int64 omitempty
    4 lastTransitionTime Time
    5 reason             string
    6 message            string`,
});
