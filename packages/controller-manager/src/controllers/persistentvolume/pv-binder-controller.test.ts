import type { PersistentVolume, PersistentVolumeClaim } from '@kubemu/api';
import { newPersistentVolumeBinderController } from './pv-binder-controller';
import { resourceInfo, startController } from '../statefulset/controller-test-harness';
import type { Harness } from '../statefulset/controller-test-harness';

const PVS = resourceInfo('', 'v1', 'persistentvolumes');
const PVCS = resourceInfo('', 'v1', 'persistentvolumeclaims');

function pv(name: string, size: string, extra: Partial<NonNullable<PersistentVolume['spec']>> = {}, labels: Record<string, string> = {}): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, persistentVolumeReclaimPolicy: 'Retain', ...extra },
  };
}

function pvc(name: string, size: string, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra } };
}

const vol = (h: Harness, name: string): PersistentVolume | undefined => h.fake.object<PersistentVolume>(PVS, undefined, name);
const claim = (h: Harness, name: string): PersistentVolumeClaim | undefined => h.fake.object<PersistentVolumeClaim>(PVCS, 'default', name);

describe('PersistentVolume binder', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('binds a claim to the smallest Available volume that fits, both sides Bound', async () => {
    h = await startController(newPersistentVolumeBinderController, [pv('big', '10Gi'), pv('small', '1Gi'), pv('fit', '2Gi'), pv('rox', '5Gi', { accessModes: ['ReadOnlyMany'] })]);
    await h.until(() => ['big', 'small', 'fit', 'rox'].every((n) => vol(h, n)?.status?.phase === 'Available'), 'volumes Available');
    const created = await h.client.resource<PersistentVolumeClaim>(PVCS).namespace('default').create(pvc('data', '1500Mi'));
    await h.until(() => claim(h, 'data')?.status?.phase === 'Bound', 'claim Bound');
    expect(claim(h, 'data')?.spec?.volumeName).toBe('fit');
    expect(claim(h, 'data')?.status).toMatchObject({ phase: 'Bound', capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'] });
    expect(claim(h, 'data')?.metadata?.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(vol(h, 'fit')?.status?.phase).toBe('Bound');
    expect(vol(h, 'fit')?.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: created.metadata?.uid });
    expect(vol(h, 'small')?.status?.phase).toBe('Available');
  });

  it('leaves a claim Pending with FailedBinding when nothing fits, and binds it once a volume appears', async () => {
    h = await startController(newPersistentVolumeBinderController, [pv('small', '1Gi'), pv('ssd', '5Gi', { storageClassName: 'fast' })]);
    await h.client.resource<PersistentVolumeClaim>(PVCS).namespace('default').create(pvc('data', '3Gi'));
    await h.until(() => h.events('FailedBinding').length === 1, 'event');
    expect(h.events('FailedBinding')).toEqual(['FailedBinding: no persistent volumes available for this claim and no storage class is set']);
    expect(claim(h, 'data')?.status?.phase).toBe('Pending');
    await h.client.resource<PersistentVolume>(PVS).create(pv('later', '4Gi'));
    await h.until(() => claim(h, 'data')?.status?.phase === 'Bound', 'bound');
    expect(claim(h, 'data')?.spec?.volumeName).toBe('later');
  });

  it('honours the claim selector and a volume pre-bound to the claim', async () => {
    h = await startController(newPersistentVolumeBinderController, [
      pv('a', '1Gi', {}, { tier: 'gold' }),
      pv('b', '1Gi', {}, { tier: 'silver' }),
      pv('reserved', '8Gi', { claimRef: { namespace: 'default', name: 'mine' } }),
    ]);
    const pvcs = h.client.resource<PersistentVolumeClaim>(PVCS).namespace('default');
    await pvcs.create(pvc('gold', '1Gi', { selector: { matchLabels: { tier: 'gold' } } }));
    await pvcs.create(pvc('mine', '1Gi'));
    await h.until(() => claim(h, 'gold')?.status?.phase === 'Bound' && claim(h, 'mine')?.status?.phase === 'Bound', 'both bound');
    expect(claim(h, 'gold')?.spec?.volumeName).toBe('a');
    expect(claim(h, 'mine')?.spec?.volumeName).toBe('reserved');
  });

  it('releases a Retain volume and deletes a Delete volume when their claims are deleted', async () => {
    h = await startController(newPersistentVolumeBinderController, [pv('keep', '1Gi', { storageClassName: 'k' }), pv('drop', '1Gi', { storageClassName: 'd', persistentVolumeReclaimPolicy: 'Delete' })]);
    const pvcs = h.client.resource<PersistentVolumeClaim>(PVCS).namespace('default');
    await pvcs.create(pvc('c1', '1Gi', { storageClassName: 'k' }));
    await pvcs.create(pvc('c2', '1Gi', { storageClassName: 'd' }));
    await h.until(() => vol(h, 'keep')?.status?.phase === 'Bound' && vol(h, 'drop')?.status?.phase === 'Bound', 'bound');
    await pvcs.delete('c1');
    await pvcs.delete('c2');
    await h.until(() => vol(h, 'keep')?.status?.phase === 'Released' && vol(h, 'drop') === undefined, 'reclaimed');
  });
});
