// The parts of request handling that live in their own modules (patching, protobuf, OpenAPI-driven
// field validation, Table output, authentication and authorization), as the handler sees them.
import type { KubeObject, ResourceInfo } from '@kubemu/api';
import type { ProtobufDecoder } from './body';
import type { RequestInfo } from './request-info';
import type { ApiStatus } from './status';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Extensions {
  /** Applies a PATCH body of the given media type; undefined when the media type is not a patch type. */
  applyPatch(contentType: string, original: KubeObject, patch: unknown, info: ResourceInfo): KubeObject | ApiStatus | undefined;
  decodeProtobuf?: ProtobufDecoder;
  /**
   * The strict decoder's complaints about a body (`unknown field "spec.x"`, `duplicate field
   * "spec.y"`), and the 400 Status that fieldValidation=Strict answers with.
   */
  strictErrors?(rawJson: string, info: ResourceInfo): string[];
  strictStatus?(info: ResourceInfo, errors: string[]): ApiStatus;
  /** A meta.k8s.io/v1 Table of the objects. */
  toTable?(info: ResourceInfo, objects: KubeObject[], includeObject: 'None' | 'Object' | 'Metadata', listMeta?: object): object;
  authenticate(headers: Record<string, string | string[] | undefined>, peerCertificate: unknown): Promise<UserInfo | ApiStatus>;
  authorize(user: UserInfo, ri: RequestInfo, query: URLSearchParams): Promise<ApiStatus | undefined>;
}
