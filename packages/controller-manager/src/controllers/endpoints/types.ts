// The wire shapes the endpoints controller works with.
import type { Endpoints, Pod, Service } from '@kubemu/api';

export type { Endpoints, Pod, Service };
export type EndpointSubset = NonNullable<Endpoints['subsets']>[number];
export type EndpointAddress = NonNullable<EndpointSubset['addresses']>[number];
export type EndpointPort = NonNullable<EndpointSubset['ports']>[number];
export type ServicePort = NonNullable<NonNullable<Service['spec']>['ports']>[number];
