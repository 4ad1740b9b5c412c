// The shapes shared by the fake API's modules.
import type { ResourceInfo } from '@kubemu/api';
import type { HttpMethod } from '../transport';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One request as the fake understood it; `requests` keeps them all, in order. */
export interface FakeRequest {
  verb: Verb;
  method: HttpMethod;
  path: string;
  query: URLSearchParams;
  resource: string;
  group: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  contentType: string | undefined;
  /** Parsed JSON body, if any. */
  body: unknown;
}

/** Where a request path points. */
export interface Route {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}
