/**
 * Service logs are plain files (logs/<service>.log, stdout and stderr appended), so `kubemu logs`
 * works from any shell, with or without a supervisor. Following polls the file size: simple, and
 * robust to the file being created late or by another process.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export interface Tail {
  stop(): void;
}

/** Calls `onLine` for each complete line appended to `file` after `fromByte`, until stopped. */
export function follow(file: string, fromByte: number, onLine: (line: string) => void, intervalMs = 200): Tail {
  let offset = fromByte;
  let partial = '';
  const poll = (): void => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // truncated: start over
    if (size === offset) return;
    const buf = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  const timer = setInterval(poll, intervalMs);
  poll();
  return { stop: () => clearInterval(timer) };
}

/** Foreground `up`: every service's log on the terminal, prefixed with its name as compose does. */
export function followAll(files: ReadonlyArray<{ service: string; file: string }>, write: (s: string) => void): Tail {
  const width = Math.max(...files.map((f) => f.service.length));
  const tails = files.map(({ service, file }) => {
    const start = existsSync(file) ? statSync(file).size : 0;
    return follow(file, start, (line) => write(`${service.padEnd(width)} | ${line}\n`));
  });
  return { stop: () => tails.forEach((t) => t.stop()) };
}
