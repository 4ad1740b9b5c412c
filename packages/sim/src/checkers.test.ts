import type { Entry } from '@kubemu/raft';
import type { LogView } from './checkers';
import { Checker, checkLogMatching } from './checkers';

// Each checker must be able to fail: feed it a hand-made bad history and expect the violation.

function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 'Normal', data: new TextEncoder().encode(data) };
}

function log(snapshotIndex: number, snapshotTerm: number, ...entries: Entry[]): LogView {
  return { snapshotIndex, snapshotTerm, entries };
}

describe('Checker', () => {
  test('election safety: two leaders in one term', () => {
    const c = new Checker();
    c.observeLeader(1, 3, log(0, 0));
    c.observeLeader(1, 3, log(0, 0)); // the same leader seen again is fine
    expect(c.failed).toBe(false);
    c.observeLeader(2, 3, log(0, 0));
    expect(c.violations[0]?.invariant).toBe('election-safety');
  });

  test('state machine safety: two nodes apply different entries at one index', () => {
    const c = new Checker();
    c.observeApply(1, 1, '1/a');
    c.observeApply(2, 1, '1/a');
    c.observeApply(1, 2, '2/b');
    expect(c.failed).toBe(false);
    c.observeApply(3, 2, '3/c');
    expect(c.violations[0]).toMatchObject({ invariant: 'state-machine-safety' });
  });

  test('state machine safety: applying past a gap', () => {
    const c = new Checker();
    c.observeApply(1, 2, '1/a');
    expect(c.violations[0]?.invariant).toBe('state-machine-safety');
  });

  test('ack lost: a node applies something else where a proposal was acknowledged', () => {
    const c = new Checker();
    c.observeApply(1, 1, '1/x');
    c.observeAck('x', 1);
    c.observeApply(2, 1, '2/y');
    expect(c.violations[0]?.invariant).toBe('ack-lost');
  });

  test('ack lost: a converged node misses an acknowledged proposal', () => {
    const c = new Checker();
    c.observeApply(1, 1, '1/x');
    c.observeAck('x', 1);
    c.checkAcksApplied(1, ['1/x']);
    expect(c.failed).toBe(false);
    c.checkAcksApplied(2, []);
    expect(c.violations[0]?.invariant).toBe('ack-lost');
  });

  test('leader completeness: a new leader lacks a committed entry', () => {
    const c = new Checker();
    c.observeApply(1, 1, '1/a');
    c.observeApply(1, 2, '2/b');
    c.observeLeader(2, 3, log(0, 0, entry(1, 1, 'a'), entry(2, 2, 'b'))); // complete
    c.observeLeader(3, 4, log(1, 1, entry(2, 2, 'b'))); // covered by its snapshot
    expect(c.failed).toBe(false);
    c.observeLeader(4, 5, log(0, 0, entry(1, 1, 'a'), entry(2, 3, 'z')));
    expect(c.violations[0]?.invariant).toBe('leader-completeness');
  });

  test('leader completeness ahead: a node lacking a committed entry could still win an election', () => {
    // Figure 8 (d) of the Raft paper, on three nodes: entry 2 of term 2 was committed by
    // counting replicas in term 4 (nodes 1 and 2), but node 3 holds a term-3 entry at index 2
    // and node 2 would vote for it.
    const view = (id: number, terms: number[]) => ({
      id,
      lastIndex: terms.length,
      lastTerm: terms[terms.length - 1] ?? 0,
      snapshotIndex: 0,
      termAt: (i: number) => terms[i - 1],
    });
    const c = new Checker();
    c.observeApply(1, 1, '1/a');
    c.observeApply(1, 2, '2/b');
    c.checkElectable([view(1, [1, 2, 4]), view(2, [1, 2, 4]), view(3, [1, 3])]);
    expect(c.failed).toBe(false); // the term-4 entry on nodes 1 and 2 protects entry 2
    c.checkElectable([view(1, [1, 2]), view(2, [1, 2]), view(3, [1, 3])]);
    expect(c.violations[0]?.invariant).toBe('leader-completeness');
    expect(c.violations[0]?.detail).toMatch(/node 3 lacks committed entry 2/);
  });

  test('log matching: one (index, term) with two different entries', () => {
    const c = new Checker();
    c.observeAppend(1, [entry(1, 1, 'a'), entry(2, 1, 'b')], 0, []);
    c.observeAppend(2, [entry(2, 1, 'b')], 1, []);
    expect(c.failed).toBe(false);
    c.observeAppend(3, [entry(2, 1, 'c')], 1, []);
    expect(c.violations[0]?.invariant).toBe('log-matching');
  });

  test('log matching: one (index, term) after different terms', () => {
    const c = new Checker();
    c.observeAppend(1, [entry(1, 1, 'a'), entry(2, 2, 'b')], 0, []);
    c.observeAppend(2, [entry(1, 2, 'x'), entry(2, 2, 'b')], 0, []);
    expect(c.violations[0]?.invariant).toBe('log-matching');
  });

  test('committed entry truncated from a durable log', () => {
    const c = new Checker();
    c.observeApply(1, 1, '1/a');
    c.observeAppend(2, [entry(1, 2, 'z')], 0, [entry(1, 1, 'b')]); // an uncommitted entry may go
    expect(c.failed).toBe(false);
    c.observeAppend(3, [entry(1, 2, 'z')], 0, [entry(1, 1, 'a')]);
    expect(c.violations[0]?.invariant).toBe('committed-truncated');
  });

  test('durable state: a second vote in one term, a term going back', () => {
    const c = new Checker();
    c.observeHardState(1, { term: 2, vote: 0, commit: 0 }, 0);
    c.observeHardState(1, { term: 2, vote: 3, commit: 0 }, 0);
    expect(c.failed).toBe(false);
    c.observeHardState(1, { term: 2, vote: 2, commit: 0 }, 0);
    expect(c.violations[0]?.detail).toMatch(/voted twice/);
    const d = new Checker();
    d.observeHardState(1, { term: 5, vote: 0, commit: 0 }, 0);
    d.observeHardState(1, { term: 4, vote: 0, commit: 0 }, 0);
    expect(d.violations[0]?.detail).toMatch(/went back/);
  });
});

describe('checkLogMatching', () => {
  test('accepts logs that agree up to their common point and differ after', () => {
    const logs = new Map([
      [1, log(0, 0, entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'c'))],
      [2, log(1, 1, entry(2, 1, 'b'), entry(3, 3, 'd'))],
    ]);
    expect(checkLogMatching(logs)).toBeUndefined();
  });

  test('finds logs that agree on (index, term) but differ before it', () => {
    const logs = new Map([
      [1, log(0, 0, entry(1, 1, 'a'), entry(2, 2, 'b'))],
      [2, log(0, 0, entry(1, 1, 'x'), entry(2, 2, 'b'))],
    ]);
    expect(checkLogMatching(logs)?.invariant).toBe('log-matching');
  });
});
