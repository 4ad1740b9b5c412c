import { accessModes, formatLabelSelector, formatLabels, humanDuration, quantityString, rfc3339, selectorString, since } from './format';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (duration.HumanDuration)', () => {
  it.each([
    [-3 * s, '<invalid>'],
    [-1.5 * s, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [4 * h + 5 * m, '4h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [3 * d + 4 * h, '3d4h'],
    [12 * d, '12d'],
    [729 * d, '729d'],
    [2 * 365 * d, '2y'],
    [2 * 365 * d + 4 * d, '2y4d'],
    [9 * 365 * d, '9y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('ages a timestamp against the given clock, <unknown> without one', () => {
    expect(since('2024-05-01T10:00:00Z', new Date('2024-05-01T10:03:02Z'))).toBe('3m2s');
    expect(since(undefined, new Date())).toBe('<unknown>');
  });
});

describe('formatters', () => {
  it('formats label maps sorted, <none> when empty', () => {
    expect(formatLabels({ tier: 'web', app: 'shop' })).toBe('app=shop,tier=web');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });

  it('formats label selectors as labels.Selector.String, sorted by key', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'canary', operator: 'DoesNotExist' }] };
    expect(formatLabelSelector(sel)).toBe('app=web,!canary,env in (dev,prod)');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(undefined)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toBe('<error>');
    expect(selectorString({ matchLabels: { app: 'web' } })).toBe('app=web');
  });

  it('prints quantities canonically and access modes in their fixed order', () => {
    expect(quantityString('1Gi')).toBe('1Gi');
    expect(quantityString('1024Mi')).toBe('1Gi');
    expect(quantityString(undefined)).toBe('0');
    expect(accessModes(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'])).toBe('RWO,RWX');
    expect(accessModes(['ReadWriteOncePod', 'ReadOnlyMany'])).toBe('ROX,RWOP');
  });

  it('prints creation times as Go prints time.RFC3339 in UTC', () => {
    expect(rfc3339('2024-05-01T12:00:00+02:00')).toBe('2024-05-01T10:00:00Z');
    expect(rfc3339(undefined)).toBe('0001-01-01T00:00:00Z');
  });
});
