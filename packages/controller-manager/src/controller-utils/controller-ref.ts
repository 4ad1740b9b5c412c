// Controller references (ownerReferences with controller: true) and the claim step every
// owning controller runs before counting what it owns (pkg/controller's ControllerRefManager):
// an owner adopts orphans its selector matches and releases objects it owns that no longer
// match. Invariant: an object has at most one controller, and only its controller may release it.
import type { KubeObject, OwnerReference, Selector } from '@kubemu/api';
import { isNotFound, isInvalid } from '@kubemu/client';
import type { ResourceClient } from '@kubemu/client';

/** The owner reference that names the object's controller, if any. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** metav1.NewControllerRef: the reference an owner puts on what it creates. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface ClaimOptions<T extends KubeObject> {
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: Selector;
  /** The owned resource, scoped to the owner's namespace: adoption and release are patches on it. */
  client: ResourceClient<T>;
  /**
   * Checked once, before the first adoption, against a fresh read of the owner (not the cache):
   * an owner that was deleted or replaced meanwhile must not adopt (RecheckDeletionTimestamp).
   */
  canAdopt: () => Promise<Error | undefined>;
}

export interface ClaimResult<T> {
  claimed: T[];
  errors: Error[];
}

/** Sorts candidates into what the owner controls after adopting and releasing as needed. */
export async function claimObjects<T extends KubeObject>(candidates: readonly T[], opts: ClaimOptions<T>): Promise<ClaimResult<T>> {
  const ownerUid = opts.owner.metadata?.uid;
  const ownerDeleting = opts.owner.metadata?.deletionTimestamp !== undefined;
  const claimed: T[] = [];
  const errors: Error[] = [];
  let adoptable: Promise<Error | undefined> | undefined;
  for (const obj of candidates) {
    const ref = controllerRefOf(obj);
    const matches = opts.selector.matches(obj.metadata?.labels ?? undefined);
    if (ref !== undefined) {
      if (ref.uid !== ownerUid) continue; // someone else's
      if (matches) {
        claimed.push(obj);
        continue;
      }
      if (ownerDeleting) continue;
      const err = await release(obj, opts);
      if (err !== undefined) errors.push(err);
      continue;
    }
    if (ownerDeleting || !matches || obj.metadata?.deletionTimestamp !== undefined) continue;
    if (obj.metadata?.namespace !== opts.owner.metadata?.namespace) continue;
    adoptable ??= opts.canAdopt();
    const cannot = await adoptable;
    if (cannot !== undefined) {
      errors.push(new Error(`can't adopt ${opts.client.spec.resource} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}: ${cannot.message}`));
      continue;
    }
    const adopted = await adopt(obj, opts);
    if (adopted instanceof Error) errors.push(adopted);
    else if (adopted !== undefined) claimed.push(adopted);
  }
  return { claimed, errors };
}

/** Adds the controller reference with a strategic merge patch keyed by uid (the object's uid guards against a replacement). */
async function adopt<T extends KubeObject>(obj: T, opts: ClaimOptions<T>): Promise<T | Error | undefined> {
  const patch = { metadata: { ownerReferences: [newControllerRef(opts.owner, opts.ownerApiVersion, opts.ownerKind)], uid: obj.metadata?.uid } };
  try {
    return await opts.client.patch(obj.metadata?.name ?? '', 'strategic', patch);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    return err as Error;
  }
}

/** Removes our reference; an object already gone, or one the server will not change, is left be. */
async function release<T extends KubeObject>(obj: T, opts: ClaimOptions<T>): Promise<Error | undefined> {
  const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: opts.owner.metadata?.uid }], uid: obj.metadata?.uid } };
  try {
    await opts.client.patch(obj.metadata?.name ?? '', 'strategic', patch);
    return undefined;
  } catch (err) {
    if (isNotFound(err) || isInvalid(err)) return undefined;
    return err as Error;
  }
}

/**
 * The RecheckDeletionTimestamp check: a fresh GET of the owner must find the same uid and no
 * deletionTimestamp. Messages as pkg/controller words them.
 */
export async function recheckOwner(get: () => Promise<KubeObject>, owner: KubeObject): Promise<Error | undefined> {
  const ns = owner.metadata?.namespace ?? '';
  const name = owner.metadata?.name ?? '';
  let fresh: KubeObject;
  try {
    fresh = await get();
  } catch (err) {
    return err as Error;
  }
  if (fresh.metadata?.uid !== owner.metadata?.uid) {
    return new Error(`original ${ns}/${name} is gone: got uid ${fresh.metadata?.uid ?? ''}, wanted ${owner.metadata?.uid ?? ''}`);
  }
  if (fresh.metadata?.deletionTimestamp !== undefined) {
    return new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
  return undefined;
}
