import type { Entry } from '@kubemu/raft';

/**
 * The simulated application: a replicated list. Applying entry i appends its key, so the state
 * after index i is exactly the history of entries 1..i and two replicas agree on index i iff their
 * lists agree there. A snapshot is that list serialized; restoring one replaces the list.
 */
export class AppliedList {
  /** keys[i - 1] is the key of the entry applied at index i. */
  private keys: string[] = [];

  get lastIndex(): number {
    return this.keys.length;
  }

  at(index: number): string | undefined {
    return this.keys[index - 1];
  }

  all(): readonly string[] {
    return this.keys;
  }

  /** Applies the entry at `index`, which must be the next one. */
  apply(index: number, key: string): void {
    if (index !== this.keys.length + 1) {
      throw new Error(`apply out of order: index ${index} after ${this.keys.length}`);
    }
    this.keys.push(key);
  }

  serialize(upTo: number): Uint8Array {
    return encoder.encode(JSON.stringify(this.keys.slice(0, upTo)));
  }

  restore(data: Uint8Array, index: number): void {
    const keys = data.length === 0 ? [] : (JSON.parse(decoder.decode(data)) as string[]);
    if (keys.length !== index) throw new Error(`snapshot at ${index} holds ${keys.length} entries`);
    this.keys = keys;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeValue(value: string): Uint8Array {
  return encoder.encode(value);
}

/** The value a client proposed in the entry of this key, or undefined for no-ops and ConfChanges. */
export function proposedValue(key: string): string | undefined {
  const body = key.slice(key.indexOf('/') + 1);
  return body === '' || body.startsWith('cc:') ? undefined : body;
}

/**
 * What identifies an entry's effect on the state machine: term and content. Two nodes that apply
 * different keys at one index have diverged (State Machine Safety, Raft paper section 5.4.3).
 */
export function entryKey(e: Entry): string {
  const body = e.data.length === 0 ? '' : decoder.decode(e.data);
  return `${e.term}/${e.type === 'ConfChange' ? 'cc:' : ''}${body}`;
}
