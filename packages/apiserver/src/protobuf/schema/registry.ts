// All messages kubemu decodes, resolved into one registry and loaded into protobufjs as reflection
// types under their Kubernetes package names (k8s.io.api.core.v1.Pod, ...).
import { Field, MapField, Root, Type } from 'protobufjs';
import type { MessageDef } from './dsl';
import { AUTHENTICATION_V1, AUTHORIZATION_V1, AUTOSCALING_V1, POLICY_V1 } from './access';
import { CORE_OBJECTS } from './core-objects';
import { CORE_POD } from './core-pod';
import { CORE_SCHEDULING } from './core-scheduling';
import { CORE_VOLUMES } from './core-volumes';
import { INTSTR, META_V1, RESOURCE, RUNTIME } from './meta';
import { NETWORKING_V1, POLICY_V1_PDB, SCHEDULING_V1 } from './networking-scheduling';
import { RBAC_V1 } from './rbac';
import { APPS_V1, BATCH_V1 } from './workloads';

export class Schema {
  private readonly byShortName = new Map<string, MessageDef>();
  private readonly types = new Map<string, Type>();
  readonly root = new Root();

  /**
   * Invariant after construction: short names are unique across packages, every message a field
   * names exists, and protobufjs has resolved every type. A violation is a bug in the schema
   * files, so it throws at load time (and in the schema test) rather than on a request.
   */
  constructor(defs: readonly MessageDef[]) {
    for (const def of defs) {
      if (this.byShortName.has(def.name)) throw new Error(`schema: message name ${def.name} is defined twice`);
      this.byShortName.set(def.name, def);
    }
    for (const def of defs) {
      const type = new Type(def.name);
      for (const f of def.fields) {
        const protoType = 'scalar' in f.type ? f.type.scalar : `.${this.message(f.type.message).fullName}`;
        type.add(f.map ? new MapField(f.name, f.id, 'string', protoType) : new Field(f.name, f.id, protoType, f.repeated ? 'repeated' : 'optional'));
      }
      this.root.define(def.pkg).add(type);
      this.types.set(def.name, type);
    }
    this.root.resolveAll();
  }

  message(shortName: string): MessageDef {
    const def = this.byShortName.get(shortName);
    if (def === undefined) throw new Error(`schema: no message named ${shortName}`);
    return def;
  }

  type(def: MessageDef): Type {
    const type = this.types.get(def.name);
    if (type === undefined) throw new Error(`schema: no protobufjs type for ${def.fullName}`);
    return type;
  }

  messages(): IterableIterator<MessageDef> {
    return this.byShortName.values();
  }
}

export const SCHEMA = new Schema([
  ...RUNTIME,
  ...RESOURCE,
  ...INTSTR,
  ...META_V1,
  ...CORE_POD,
  ...CORE_SCHEDULING,
  ...CORE_VOLUMES,
  ...CORE_OBJECTS,
  ...APPS_V1,
  ...BATCH_V1,
  ...RBAC_V1,
  ...AUTHORIZATION_V1,
  ...AUTHENTICATION_V1,
  ...POLICY_V1,
  ...AUTOSCALING_V1,
  ...NETWORKING_V1,
  ...POLICY_V1_PDB,
  ...SCHEDULING_V1,
]);
