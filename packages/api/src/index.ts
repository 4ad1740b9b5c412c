export type * from './types';
export {
  RESOURCES,
  apiVersionOf,
  qualifiedKind,
  findResource,
  resourceForKind,
  lookupResource,
  resourcesInCategory,
  storeKey,
} from './resources';
export type { ResourceInfo, Verb, Subresource } from './resources';
export { Quantity, QuantityParseError, QUANTITY_ERRORS, canonicalQuantity } from './quantity/quantity';
export type { QuantityFormat } from './quantity/quantity';
