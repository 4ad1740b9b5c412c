import { describeEntry, describeMessage, describeReady, describeSnapshot, formatData } from './describe';
import { encodeConfChange, message } from './types';
import type { Entry } from './types';

const enc = (s: string) => new TextEncoder().encode(s);
const normal = (term: number, index: number, data: string): Entry => ({ term, index, type: 'Normal', data: enc(data) });

describe('describe', () => {
  test('a MsgApp with one entry fits on one line', () => {
    const m = message({ type: 'MsgApp', from: 1, to: 2, term: 1, logTerm: 1, index: 10, commit: 10, entries: [normal(1, 11, 'prop_1')] });
    expect(describeMessage(m)).toBe('1->2 MsgApp Term:1 Log:1/10 Commit:10 Entries:[1/11 EntryNormal "prop_1"]');
  });

  test('several entries go one per line, indented under the message', () => {
    const m = message({ type: 'MsgApp', from: 1, to: 2, term: 2, logTerm: 1, index: 3, entries: [normal(2, 4, ''), normal(2, 5, 'x')] });
    expect(describeMessage(m, '  ')).toBe('1->2 MsgApp Term:2 Log:1/3 Entries:[\n    2/4 EntryNormal ""\n    2/5 EntryNormal "x"\n  ]');
  });

  test('rejections, contexts and snapshots', () => {
    expect(describeMessage(message({ type: 'MsgAppResp', from: 2, to: 1, term: 3, logTerm: 2, index: 7, reject: true, rejectHint: 5 }))).toBe(
      '2->1 MsgAppResp Term:3 Log:2/7 Rejected (Hint: 5)',
    );
    expect(describeMessage(message({ type: 'MsgHeartbeat', from: 1, to: 2, term: 1, context: enc('ctx') }))).toBe(
      '1->2 MsgHeartbeat Term:1 Log:0/0 Context:"ctx"',
    );
    const snap = { data: enc('a,b'), metadata: { index: 11, term: 2, confState: { voters: [1, 2, 3], learners: [4] } } };
    expect(describeSnapshot(snap)).toBe('Index:11 Term:2 ConfState:Voters:[1 2 3] Learners:[4] Data:"a,b"');
    expect(describeMessage(message({ type: 'MsgSnap', from: 1, to: 3, term: 2, snapshot: snap }))).toBe(
      '1->3 MsgSnap Term:2 Log:0/0\n  Snapshot: Index:11 Term:2 ConfState:Voters:[1 2 3] Learners:[4] Data:"a,b"',
    );
  });

  test('conf change entries are decoded', () => {
    const e: Entry = { term: 1, index: 3, type: 'ConfChange', data: encodeConfChange({ type: 'AddNode', nodeId: 4 }) };
    expect(describeEntry(e)).toBe('1/3 EntryConfChange AddNode 4');
    expect(describeEntry({ ...e, data: new Uint8Array([1, 2]) })).toBe('1/3 EntryConfChange <undecodable 2 bytes>');
  });

  test('binary payloads are shown by size', () => {
    expect(formatData(new Uint8Array([0xff, 0xfe]))).toBe('<2 bytes>');
    expect(formatData(new Uint8Array([1, 65]))).toBe('<2 bytes>');
    expect(formatData(enc('a"b'))).toBe('"a\\"b"');
  });

  test('a Ready lists what is set, in handling order, indented', () => {
    const rd = {
      softState: { lead: 1, raftState: 'Leader' as const },
      hardState: { term: 2, vote: 1, commit: 4 },
      readStates: [{ index: 4, requestCtx: enc('r') }],
      entries: [normal(2, 5, '')],
      committedEntries: [normal(2, 4, 'p')],
      messages: [message({ type: 'MsgApp', from: 1, to: 2, term: 2, logTerm: 2, index: 4, commit: 4, entries: [normal(2, 5, ''), normal(2, 6, '')] })],
      mustSync: true,
    };
    expect(describeReady(rd, '  ')).toBe(
      [
        '  Ready MustSync=true:',
        '  Lead:1 State:Leader',
        '  HardState Term:2 Vote:1 Commit:4',
        '  Entries:',
        '  2/5 EntryNormal ""',
        '  CommittedEntries:',
        '  2/4 EntryNormal "p"',
        '  Messages:',
        '  1->2 MsgApp Term:2 Log:2/4 Commit:4 Entries:[',
        '    2/5 EntryNormal ""',
        '    2/6 EntryNormal ""',
        '  ]',
        '  ReadStates:',
        '  Index:4 RequestCtx:"r"',
      ].join('\n'),
    );
    expect(describeReady({ readStates: [], entries: [], committedEntries: [], messages: [], mustSync: false }, '  ')).toBe('  <empty Ready>');
  });
});
