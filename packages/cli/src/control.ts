/**
 * The supervisor's control socket: one JSON request line in, one JSON response line out, then close.
 * Commands from other shells (kill, start, partition, heal, down) go through it so that exactly one
 * process - the supervisor that owns the children - ever changes the project.
 */
import net from 'node:net';
import { rmSync } from 'node:fs';
import { LauncherError } from './errors';

export type ControlRequest =
  | { op: 'status' }
  | { op: 'kill'; service: string; signal: NodeJS.Signals }
  | { op: 'start'; service: string }
  | { op: 'partition'; services: string[] }
  | { op: 'heal' }
  | { op: 'down'; volumes: boolean };

export type ControlResponse = { ok: true; result?: unknown } | { ok: false; error: string };

export type Handler = (req: ControlRequest) => Promise<unknown>;

export function serveControl(socketPath: string, handler: Handler): net.Server {
  // A socket file left by a supervisor that was SIGKILLed would make listen fail with EADDRINUSE.
  rmSync(socketPath, { force: true });
  const server = net.createServer((conn) => {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = '';
      let reply: Promise<ControlResponse>;
      try {
        const req = JSON.parse(line) as ControlRequest;
        reply = handler(req).then(
          (result): ControlResponse => ({ ok: true, result }),
          (err: unknown): ControlResponse => ({ ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
      } catch {
        reply = Promise.resolve({ ok: false, error: 'malformed request' });
      }
      void reply.then((res) => conn.end(`${JSON.stringify(res)}\n`));
    });
    conn.on('error', () => undefined);
  });
  server.listen(socketPath);
  return server;
}

/** Thrown by `request` when no supervisor listens: the caller may fall back to the state file. */
export class NoSupervisorError extends LauncherError {}

export function request(socketPath: string, req: ControlRequest, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const conn = net.createConnection(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new LauncherError(`supervisor did not answer ${req.op} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify(req)}\n`));
    conn.on('data', (chunk: string) => (buf += chunk));
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new NoSupervisorError('no supervisor is running for this project'));
      else reject(err);
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        const res = JSON.parse(buf) as ControlResponse;
        if (res.ok) resolve(res.result);
        else reject(new LauncherError(res.error));
      } catch {
        reject(new LauncherError(`supervisor sent an unreadable answer to ${req.op}`));
      }
    });
  });
}
