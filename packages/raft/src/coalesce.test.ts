import { coalesceMessages } from './coalesce';
import type { Entry, Message } from './types';
import { message } from './types';

const ent = (index: number, term: number, size = 1): Entry => ({ index, term, type: 'Normal', data: new Uint8Array(size) });
const app = (to: number, index: number, logTerm: number, entries: Entry[], commit: number): Message =>
  message({ type: 'MsgApp', from: 1, to, term: 2, index, logTerm, entries, commit });
const ack = (index: number, reject = false): Message => message({ type: 'MsgAppResp', from: 2, to: 1, term: 2, index, reject });
const brief = (ms: Message[]): string[] =>
  ms.map((m) => `${m.type}->${m.to} i${m.index} [${m.entries.map((e) => e.index).join(',')}] c${m.commit}${m.reject ? ' reject' : ''}`);

describe('coalesceMessages', () => {
  it('appends a MsgApp that starts where the previous one to the same follower ends', () => {
    const out = coalesceMessages([app(2, 4, 2, [ent(5, 2)], 3), app(3, 4, 2, [ent(5, 2)], 3), app(2, 5, 2, [ent(6, 2), ent(7, 2)], 4), app(2, 7, 2, [], 5)], 1 << 20);
    expect(brief(out)).toEqual(['MsgApp->2 i4 [5,6,7] c5', 'MsgApp->3 i4 [5] c3']);
  });

  it('keeps apart MsgApps that do not follow on, or that another message to the same peer separates', () => {
    const gap = [app(2, 4, 2, [ent(5, 2)], 3), app(2, 9, 2, [ent(10, 2)], 3)];
    expect(brief(coalesceMessages(gap, 1 << 20))).toEqual(brief(gap));
    const beat = message({ type: 'MsgHeartbeat', from: 1, to: 2, term: 2, commit: 3 });
    const separated = [app(2, 4, 2, [ent(5, 2)], 3), beat, app(2, 5, 2, [ent(6, 2)], 3)];
    expect(brief(coalesceMessages(separated, 1 << 20))).toEqual(brief(separated));
    const otherTerm = [app(2, 4, 2, [ent(5, 2)], 3), { ...app(2, 5, 2, [ent(6, 3)], 3), term: 3 }];
    expect(brief(coalesceMessages(otherTerm, 1 << 20))).toEqual(brief(otherTerm));
  });

  it('does not grow a MsgApp past maxBytes of entry data', () => {
    const msgs = [app(2, 4, 2, [ent(5, 2, 600)], 3), app(2, 5, 2, [ent(6, 2, 600)], 3), app(2, 6, 2, [], 4)];
    expect(brief(coalesceMessages(msgs, 1000))).toEqual(['MsgApp->2 i4 [5] c3', 'MsgApp->2 i5 [6] c4']);
  });

  it('keeps only the highest of consecutive acknowledgements, and every rejection', () => {
    expect(brief(coalesceMessages([ack(5), ack(7), ack(6)], 1 << 20))).toEqual(['MsgAppResp->1 i7 [] c0']);
    expect(brief(coalesceMessages([ack(5), ack(3, true), ack(7)], 1 << 20))).toEqual(['MsgAppResp->1 i5 [] c0', 'MsgAppResp->1 i3 [] c0 reject', 'MsgAppResp->1 i7 [] c0']);
  });

  it('never changes the input messages', () => {
    const first = app(2, 4, 2, [ent(5, 2)], 3);
    coalesceMessages([first, app(2, 5, 2, [ent(6, 2)], 4)], 1 << 20);
    expect(brief([first])).toEqual(['MsgApp->2 i4 [5] c3']);
  });
});
