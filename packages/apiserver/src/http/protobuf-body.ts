// The protobuf module's decoder in the shape the body reader takes.
import type { KubeObject } from '@kubemu/api';
import { decodeKubernetesProtobuf } from '../protobuf';
import type { ProtobufDecoder } from './body';
import type { ApiStatus } from './status';

export const decodeProtobufObject: ProtobufDecoder = (body: Buffer) => {
  const r = decodeKubernetesProtobuf(body);
  return r.ok ? { ok: true, object: r.object as KubeObject } : { ok: false, status: r.status as ApiStatus };
};
