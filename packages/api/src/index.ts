export type * from './types';
export {
  RESOURCES,
  apiVersionOf,
  qualifiedKind,
  findResource,
  mustFindResource,
  resourceForKind,
  lookupResource,
  resourcesInCategory,
  storeKey,
} from './resources';
export type { ResourceInfo, Verb, Subresource } from './resources';
export { Quantity, QuantityParseError, QUANTITY_ERRORS, canonicalQuantity } from './quantity/quantity';
export type { QuantityFormat } from './quantity/quantity';
export { Selector, LabelSelectorParseError, newRequirement, selectorFromLabelSelector, labelSelectorMatches } from './selectors/label-selector';
export type { Requirement, LabelOperator, Labels } from './selectors/label-selector';
export { parseLabelSelector } from './selectors/label-selector-parser';
export {
  FieldSelector,
  FieldSelectorError,
  parseFieldSelector,
  supportedFields,
  validateFieldSelector,
  selectableFields,
  SUPPORTED_FIELDS,
} from './selectors/field-selector';
export type { FieldRequirement, FieldOperator } from './selectors/field-selector';
export * from './validation/field-errors';
export { toStatus } from './validation/status';
export type { InvalidStatus, StatusCauseJson } from './validation/status';
export * from './validation/names';
export { validateObjectMeta, validateObjectMetaUpdate, immutable, deepEqual } from './validation/object-meta';
export type { NameValidator, ObjectMetaOptions } from './validation/object-meta';
export { validateCreate, validateUpdate } from './validation/validate';
export { validatePod, validatePodSpec, validatePodTemplateSpec, validatePodUpdate, POD_UPDATE_FORBIDDEN } from './validation/pod';
export { validateService, validateServiceUpdate } from './validation/service';
export * from './validation/workloads';
export * from './validation/config';
export { isValidPortName } from './validation/common';
export {
  applyDefaults,
  defaultPod,
  defaultService,
  defaultDeployment,
  defaultReplicaSet,
  defaultStatefulSet,
  defaultDaemonSet,
  defaultJob,
  defaultCronJob,
  defaultNamespace,
} from './defaults/defaults';
export { defaultImagePullPolicy, defaultPodSpecInPlace } from './defaults/pod';
export { requiredNodeMatcher, termMatches, nodeMatches } from './selectors/node-selector';
export type { NodeMatcher, NodeSelectorTerm } from './selectors/node-selector';
