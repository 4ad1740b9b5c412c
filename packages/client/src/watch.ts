// A watch is an HTTP response that never ends on its own: a stream of JSON objects
// {"type": ..., "object": ...}, one per line. It is decoded incrementally, because an event can
// arrive split across chunks and a chunk can carry several events.
import { KubemuError } from '@kubemu/base';
import { ConnectionError, isStatus } from './api-error';
import type { StatusJson } from './api-error';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** ERROR events carry a Status (e.g. 410 Expired); BOOKMARK objects carry only metadata.resourceVersion. */
export type WatchEvent<T> = { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; object: StatusJson };

export class WatchDecodeError extends KubemuError {
  constructor(message: string) {
    super('WatchDecode', message);
  }
}

/**
 * Splits a character stream into top-level JSON values without waiting for newlines: it tracks
 * brace depth outside strings, so it accepts the newline-delimited framing the apiserver writes
 * as well as values written back to back.
 */
export class JsonStreamDecoder {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Index in buf where the scan resumes; buf[0..scan) has been scanned. */
  private scan = 0;

  push(chunk: string): unknown[] {
    this.buf += chunk;
    const out: unknown[] = [];
    let start = 0;
    for (let i = this.scan; i < this.buf.length; i++) {
      const c = this.buf.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b /* { */ || c === 0x5b /* [ */) this.depth++;
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.depth--;
        if (this.depth === 0) {
          out.push(this.parse(this.buf.slice(start, i + 1)));
          start = i + 1;
        } else if (this.depth < 0) throw new WatchDecodeError('unbalanced brackets in watch stream');
      } else if (this.depth === 0 && !isSpace(c)) {
        throw new WatchDecodeError(`unexpected character ${JSON.stringify(this.buf[i])} between watch events`);
      }
    }
    this.buf = this.buf.slice(start);
    this.scan = this.buf.length;
    return out;
  }

  /** Call when the stream ends; throws if it ended inside a value. */
  end(): void {
    if (this.buf.trim() !== '') throw new WatchDecodeError(`watch stream ended inside an event (${this.buf.length} bytes pending)`);
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new WatchDecodeError(`malformed watch event: ${(err as Error).message}`);
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Checks one decoded value is a watch event. */
export function toWatchEvent<T>(v: unknown): WatchEvent<T> {
  const e = v as { type?: unknown; object?: unknown };
  if (typeof e !== 'object' || e === null || typeof e.type !== 'string' || !TYPES.has(e.type)) {
    throw new WatchDecodeError(`not a watch event: ${JSON.stringify(v).slice(0, 200)}`);
  }
  if (typeof e.object !== 'object' || e.object === null) throw new WatchDecodeError(`watch event ${e.type} without an object`);
  if (e.type === 'ERROR' && !isStatus(e.object)) throw new WatchDecodeError('watch ERROR event without a Status');
  return e as WatchEvent<T>;
}

/**
 * One open watch. Consume it once, either by iterating (`for await (const ev of watch)`) or with
 * `forEach(cb)`. Iteration ends when the server closes the stream (its timeoutSeconds, a restart)
 * or after `stop()`; it throws ConnectionError or WatchDecodeError when the stream breaks.
 */
export class Watch<T> implements AsyncIterable<WatchEvent<T>> {
  private stopped = false;
  private consumed = false;
  private finished = false;

  constructor(
    private readonly body: AsyncIterable<string>,
    private readonly controller: AbortController,
  ) {}

  /** Closes the stream; a pending iteration ends without error. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.finished) this.controller.abort();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    if (this.consumed) throw new KubemuError('WatchConsumed', 'a watch can be consumed only once');
    this.consumed = true;
    const decoder = new JsonStreamDecoder();
    try {
      for await (const chunk of this.body) {
        if (this.stopped) return;
        for (const v of decoder.push(chunk)) {
          yield toWatchEvent<T>(v);
          if (this.stopped) return;
        }
      }
      this.finished = true;
      decoder.end();
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof WatchDecodeError) throw err;
      throw new ConnectionError(`watch stream broke: ${(err as Error).message}`, { cause: err });
    } finally {
      // The consumer may break out early: release the connection.
      if (!this.finished) {
        this.finished = true;
        this.controller.abort();
      }
    }
  }

  /** Calls `onEvent` for each event; resolves when the stream ends or is stopped. */
  async forEach(onEvent: (ev: WatchEvent<T>) => void): Promise<void> {
    for await (const ev of this) onEvent(ev);
  }
}
