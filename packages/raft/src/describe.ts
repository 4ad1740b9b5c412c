/**
 * Human-readable one-line (or indented multi-line) renderings of the core's values, in the shape
 * etcd-io/raft uses: `1->2 MsgApp Term:1 Log:1/10 Commit:10 Entries:[1/11 EntryNormal "prop_1"]`.
 * The golden interaction transcripts (testdata/*.txt) are built from these, so a change of format
 * here is a change of every transcript: regenerate them with UPDATE_GOLDEN=1 and read the diff.
 */
import type { ConfState, Entry, HardState, Message, ReadState, Ready, Snapshot, SoftState } from './types';
import { decodeConfChange, isEmptySnapshot } from './types';

/** Renders an entry's (or snapshot's, or read context's) payload. */
export type DataFormatter = (data: Uint8Array) => string;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Quotes printable UTF-8 text (JSON string syntax); anything else is shown as its byte count. */
export function formatData(data: Uint8Array): string {
  let text: string;
  try {
    text = strictUtf8.decode(data);
  } catch {
    return `<${data.length} bytes>`;
  }
  // Control characters other than tab/newline suggest binary content.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) return `<${data.length} bytes>`;
  return JSON.stringify(text);
}

/** `1/11 EntryNormal "prop_1"`, or `1/3 EntryConfChange AddNode 4` with the change decoded. */
export function describeEntry(e: Entry, fmt: DataFormatter = formatData): string {
  if (e.type === 'ConfChange') {
    let body: string;
    try {
      const cc = decodeConfChange(e.data);
      body = `${cc.type} ${cc.nodeId}`;
    } catch {
      body = `<undecodable ${e.data.length} bytes>`;
    }
    return `${e.term}/${e.index} EntryConfChange ${body}`;
  }
  return `${e.term}/${e.index} EntryNormal ${fmt(e.data)}`;
}

/** One entry per line, each prefixed with `indent`. */
export function describeEntries(ents: readonly Entry[], indent = '', fmt: DataFormatter = formatData): string {
  return ents.map((e) => `${indent}${describeEntry(e, fmt)}`).join('\n');
}

export function describeConfState(cs: ConfState): string {
  return `Voters:[${cs.voters.join(' ')}] Learners:[${cs.learners.join(' ')}]`;
}

/** `Index:11 Term:1 ConfState:Voters:[1 2 3] Learners:[] Data:"..."` (Data only when non-empty). */
export function describeSnapshot(s: Snapshot, fmt: DataFormatter = formatData): string {
  const m = s.metadata;
  const data = s.data.length > 0 ? ` Data:${fmt(s.data)}` : '';
  return `Index:${m.index} Term:${m.term} ConfState:${describeConfState(m.confState)}${data}`;
}

export function describeHardState(hs: HardState): string {
  return `Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeSoftState(ss: SoftState): string {
  return `Lead:${ss.lead} State:${ss.raftState}`;
}

export function describeReadState(rs: ReadState, fmt: DataFormatter = formatData): string {
  return `Index:${rs.index} RequestCtx:${fmt(rs.requestCtx)}`;
}

/**
 * `from->to Type Term:t Log:logTerm/index` followed by what is set: rejection and hint, commit,
 * context, entries (one per line, indented, when there are several) and snapshot (on its own line).
 * `indent` is the indentation of the line the message starts on; continuation lines add two spaces.
 */
export function describeMessage(m: Message, indent = '', fmt: DataFormatter = formatData): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.context !== undefined && m.context.length > 0) s += ` Context:${fmt(m.context)}`;
  if (m.entries.length === 1) {
    s += ` Entries:[${describeEntry(m.entries[0] as Entry, fmt)}]`;
  } else if (m.entries.length > 1) {
    s += ' Entries:[';
    for (const e of m.entries) s += `\n${indent}  ${describeEntry(e, fmt)}`;
    s += `\n${indent}]`;
  }
  if (!isEmptySnapshot(m.snapshot)) s += `\n${indent}  Snapshot: ${describeSnapshot(m.snapshot as Snapshot, fmt)}`;
  return s;
}

/**
 * A Ready in the order the driver handles it: soft state, hard state, snapshot and entries to
 * persist, committed entries to apply, messages to send, read states. Each line starts with
 * `indent`; an empty Ready is `<empty Ready>`.
 */
export function describeReady(rd: Ready, indent = '', fmt: DataFormatter = formatData): string {
  const lines: string[] = [];
  if (rd.softState) lines.push(describeSoftState(rd.softState));
  if (rd.hardState) lines.push(`HardState ${describeHardState(rd.hardState)}`);
  if (!isEmptySnapshot(rd.snapshot)) lines.push(`Snapshot ${describeSnapshot(rd.snapshot as Snapshot, fmt)}`);
  if (rd.entries.length > 0) lines.push('Entries:', describeEntries(rd.entries, '', fmt));
  if (rd.committedEntries.length > 0) lines.push('CommittedEntries:', describeEntries(rd.committedEntries, '', fmt));
  if (rd.messages.length > 0) lines.push('Messages:', ...rd.messages.map((m) => describeMessage(m, '', fmt)));
  if (rd.readStates.length > 0) lines.push('ReadStates:', ...rd.readStates.map((r) => describeReadState(r, fmt)));
  if (lines.length === 0) return `${indent}<empty Ready>`;
  // Multi-line items (a message with several entries) carry their own relative indentation.
  return [`Ready MustSync=${rd.mustSync}:`, ...lines]
    .flatMap((l) => l.split('\n'))
    .map((l) => indent + l)
    .join('\n');
}
