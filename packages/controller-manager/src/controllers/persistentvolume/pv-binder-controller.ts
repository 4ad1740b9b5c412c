// The PersistentVolume binder (--controllers name "persistentvolume-binder"), over emulated
// volumes (hostPath and the like: nothing is attached or provisioned). A pending claim is bound
// to the smallest Available volume that fits, in the order kube binds: the volume's claimRef,
// the volume's phase Bound, the claim's volumeName (with the bind-completed annotation), the
// claim's phase Bound. Each step is one write, so a pass interrupted anywhere is finished by the
// next one. A Bound volume whose claim is gone is Released (Retain), deleted (Delete) or made
// Available again (Recycle).
import type { PersistentVolume, PersistentVolumeClaim } from '@kubemu/api';
import { deletedObject, isNotFound, metaNamespaceKey, splitMetaNamespaceKey } from '@kubemu/client';
import type { EventRecorder, HandlerRegistration, RateLimitingQueue, SharedInformer } from '@kubemu/client';
import type { Controller, ControllerContext } from '../../controller';
import { errorMessage, newQueue, runQueueWorkers } from '../../controller-utils';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, claimClass, findBestMatch } from './volume-matching';

const PVS = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false } as const;
const PVCS = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true } as const;
const CLAIM = 'claim:';
const VOLUME = 'volume:';
/** kube's --pvclaimbinder-sync-period default. */
const PV_CLAIM_BINDER_SYNC_PERIOD_MS = 15_000;

export class PersistentVolumeBinderController implements Controller {
  readonly name = 'persistentvolume-binder';
  private readonly queue: RateLimitingQueue<string>;
  private readonly volumes: SharedInformer<PersistentVolume>;
  private readonly claims: SharedInformer<PersistentVolumeClaim>;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = newQueue(ctx);
    this.volumes = ctx.informers.forResource<PersistentVolume>(PVS);
    this.claims = ctx.informers.forResource<PersistentVolumeClaim>(PVCS);
    this.recorder = ctx.recorder('persistentvolume-controller');
  }

  async run(signal: AbortSignal): Promise<void> {
    const pendingClaims = (): void => {
      for (const c of this.claims.lister().list()) if (!c.spec?.volumeName) this.queue.add(CLAIM + metaNamespaceKey(c));
    };
    const volume = (pv: PersistentVolume): void => {
      this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
      const ref = pv.spec?.claimRef;
      if (ref?.name) this.queue.add(`${CLAIM}${ref.namespace ?? ''}/${ref.name}`);
      else if (pv.status?.phase === 'Available') pendingClaims(); // a volume to offer: waiting claims look again
    };
    const claim = (pvc: PersistentVolumeClaim): void => {
      this.queue.add(CLAIM + metaNamespaceKey(pvc));
      if (pvc.spec?.volumeName) this.queue.add(VOLUME + pvc.spec.volumeName);
    };
    const regs: HandlerRegistration[] = [
      this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_, pv) => volume(pv), onDelete: (pv) => volume(deletedObject(pv)) }),
      this.claims.addEventHandler({
        onAdd: claim,
        onUpdate: (_, pvc) => claim(pvc),
        onDelete: (obj) => {
          // The volume of a deleted claim is released; volumes pre-bound to it are looked at too.
          const pvc = deletedObject(obj);
          for (const pv of this.volumes.lister().list()) {
            const ref = pv.spec?.claimRef;
            if (ref?.namespace === pvc.metadata?.namespace && ref?.name === pvc.metadata?.name) this.queue.add(VOLUME + (pv.metadata?.name ?? ''));
          }
        },
      }),
    ];
    this.ctx.informers.start();
    // --pvclaimbinder-sync-period: everything is looked at again periodically.
    const resync = this.ctx.clock.setInterval(() => {
      for (const v of this.volumes.lister().list()) this.queue.add(VOLUME + (v.metadata?.name ?? ''));
      pendingClaims();
    }, PV_CLAIM_BINDER_SYNC_PERIOD_MS);
    await runQueueWorkers({ name: this.name, ctx: this.ctx, queue: this.queue, informers: [this.volumes, this.claims], sync: (key) => this.sync(key) }, signal);
    resync.cancel();
    for (const r of regs) r.remove();
  }

  private async sync(key: string): Promise<Error | void> {
    try {
      if (key.startsWith(CLAIM)) return await this.syncClaim(key.slice(CLAIM.length));
      if (key.startsWith(VOLUME)) return await this.syncVolume(key.slice(VOLUME.length));
    } catch (err) {
      return new Error(`syncing ${key}: ${errorMessage(err)}`);
    }
  }

  private async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pvc = this.claims.lister().get(namespace, name);
    if (pvc === undefined || pvc.metadata?.deletionTimestamp !== undefined) return;
    const bound = pvc.spec?.volumeName;
    if (bound) {
      const pv = this.volumes.lister().get('', bound);
      if (pv === undefined) {
        if (pvc.status?.phase === 'Bound') {
          this.recorder.eventf(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
          await this.setClaimPhase(pvc, 'Lost');
        }
        return;
      }
      const ref = pv.spec?.claimRef;
      if (ref && (ref.namespace !== namespace || ref.name !== name || (ref.uid && ref.uid !== pvc.metadata?.uid))) {
        this.recorder.eventf(pvc, 'Warning', 'FailedBinding', 'volume "%s" already bound to a different claim.', bound);
        await this.setClaimPhase(pvc, 'Pending');
        return;
      }
      await this.bind(pv, pvc);
      return;
    }
    const match = findBestMatch(this.volumes.lister().list(), pvc);
    if (match === undefined) {
      const cls = claimClass(pvc);
      if (cls === '') this.recorder.eventf(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      else this.recorder.eventf(pvc, 'Warning', 'ProvisioningFailed', 'storageclass.storage.k8s.io "%s" not found', cls);
      if (pvc.status?.phase !== 'Pending') await this.setClaimPhase(pvc, 'Pending');
      return;
    }
    await this.bind(match, pvc);
  }

  /** The four writes of a binding; each is skipped when already done. */
  private async bind(pv: PersistentVolume, pvc: PersistentVolumeClaim): Promise<void> {
    const pvs = this.ctx.client.resource<PersistentVolume>(PVS);
    const pvcs = this.ctx.client.resource<PersistentVolumeClaim>(PVCS).namespace(pvc.metadata?.namespace ?? '');
    let volume = pv;
    if (volume.spec?.claimRef?.uid !== pvc.metadata?.uid) {
      volume = await pvs.update({
        ...volume,
        metadata: { ...volume.metadata, annotations: { ...(volume.metadata?.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
        spec: {
          ...volume.spec,
          claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata?.namespace ?? '', name: pvc.metadata?.name ?? '', uid: pvc.metadata?.uid ?? '', resourceVersion: pvc.metadata?.resourceVersion ?? '' },
        },
      });
    }
    if (volume.status?.phase !== 'Bound') volume = await pvs.updateStatus({ ...volume, status: { ...volume.status, phase: 'Bound' } });
    let claim = pvc;
    const name = volume.metadata?.name ?? '';
    if (claim.spec?.volumeName !== name || claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== 'yes') {
      const annotations: Record<string, string> = { ...(claim.metadata?.annotations ?? {}), [ANN_BIND_COMPLETED]: 'yes' };
      if (claim.spec?.volumeName !== name) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      claim = await pvcs.update({ ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: name } });
    }
    if (claim.status?.phase !== 'Bound') {
      await pvcs.updateStatus({ ...claim, status: { ...claim.status, phase: 'Bound', accessModes: volume.spec?.accessModes ?? [], capacity: { ...(volume.spec?.capacity ?? {}) } } });
    }
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.lister().get('', name);
    if (pv === undefined || pv.metadata?.deletionTimestamp !== undefined) return;
    const pvs = this.ctx.client.resource<PersistentVolume>(PVS);
    const ref = pv.spec?.claimRef;
    if (!ref) {
      if (pv.status?.phase !== 'Available') await pvs.updateStatus({ ...pv, status: { ...pv.status, phase: 'Available' } });
      return;
    }
    let claim = this.claims.lister().get(ref.namespace ?? '', ref.name ?? '');
    if (claim === undefined || (ref.uid && claim.metadata?.uid !== ref.uid)) {
      // The cache may lag: ask the apiserver before letting the volume go.
      claim = await this.ctx.client.resource<PersistentVolumeClaim>(PVCS).namespace(ref.namespace ?? '').get(ref.name ?? '').catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    }
    if (claim !== undefined && (!ref.uid || claim.metadata?.uid === ref.uid)) {
      if (claim.spec?.volumeName === name && pv.status?.phase !== 'Bound') await pvs.updateStatus({ ...pv, status: { ...pv.status, phase: 'Bound' } });
      if (!ref.uid && pv.status?.phase !== 'Available' && pv.status?.phase !== 'Bound') await pvs.updateStatus({ ...pv, status: { ...pv.status, phase: 'Available' } });
      return;
    }
    if (!ref.uid) {
      // Pre-bound to a claim that does not exist yet: it stays Available for that claim.
      if (pv.status?.phase !== 'Available') await pvs.updateStatus({ ...pv, status: { ...pv.status, phase: 'Available' } });
      return;
    }
    await this.reclaim(pv);
  }

  /** The claim of a bound volume is gone: apply persistentVolumeReclaimPolicy. */
  private async reclaim(pv: PersistentVolume): Promise<void> {
    const pvs = this.ctx.client.resource<PersistentVolume>(PVS);
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      await pvs.delete(pv.metadata?.name ?? '').catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return;
    }
    if (policy === 'Recycle') {
      const recycled = await pvs.update({ ...pv, spec: { ...pv.spec, claimRef: undefined } });
      await pvs.updateStatus({ ...recycled, status: { ...recycled.status, phase: 'Available' } });
      this.recorder.eventf(pv, 'Normal', 'RecyclerPod', 'Recycler pod: Successfully assigned recycler pod to volume %s', pv.metadata?.name);
      return;
    }
    if (pv.status?.phase !== 'Released') await pvs.updateStatus({ ...pv, status: { ...pv.status, phase: 'Released' } });
  }

  private async setClaimPhase(pvc: PersistentVolumeClaim, phase: string): Promise<void> {
    await this.ctx.client.resource<PersistentVolumeClaim>(PVCS).namespace(pvc.metadata?.namespace ?? '').updateStatus({ ...pvc, status: { ...pvc.status, phase } });
  }
}

export function newPersistentVolumeBinderController(ctx: ControllerContext): Controller {
  return new PersistentVolumeBinderController(ctx);
}
