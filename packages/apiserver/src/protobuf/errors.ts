// The two ways a protobuf body can fail to decode. They are thrown only inside this directory's
// recursive walkers and always caught by decodeKubernetesProtobuf, which turns them into Status
// values: its callers never see an exception.
import { KubemuError } from '@kubemu/base';

/** The bytes are not a well-formed message of the schema (truncated, wrong wire type, bad value): 400. */
export class MalformedProtobuf extends KubemuError {
  constructor(message: string) {
    super('MalformedProtobuf', message);
  }
}

/** Well-formed, but this server cannot decode it (unknown kind or field, encoded content): 415. */
export class UnsupportedProtobuf extends KubemuError {
  readonly target: { group: string; kind: string } | undefined;

  constructor(message: string, target?: { group: string; kind: string }) {
    super('UnsupportedProtobuf', message);
    this.target = target;
  }
}
