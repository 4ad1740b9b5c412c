#!/usr/bin/env node
/**
 * kubemu: compose without Docker. packages/cli/README.md describes the verbs and the design choices.
 */
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { control, down, kill, logs, status, up } from './commands';
import type { GlobalOptions } from './commands';
import { KubemuError } from '@kubemu/base';

const USAGE = `usage: kubemu [-f FILE] [-p PROJECT] [--run-dir DIR] [--loopback] COMMAND
  up [-d] [SERVICE...]        start services (foreground supervisor; -d detaches it)
  down [-v]                   stop everything, remove namespaces (-v: and named volumes)
  status [--json]             services, pids, addresses, restarts
  logs [--follow] SERVICE     the service's stdout and stderr
  kill [--signal S] SERVICE   signal it (default SIGKILL); a stop signal keeps it down until start
  start SERVICE               start a stopped service again
  partition SERVICE...        cut these services off from all the others (netns mode)
  heal                        undo every partition`;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new KubemuError('Usage', `${what}\n${USAGE}`);
  return value;
}

function signalName(s: string): NodeJS.Signals {
  const name = (/^SIG/i.test(s) ? s.toUpperCase() : `SIG${s.toUpperCase()}`) as NodeJS.Signals;
  if (/^\d+$/.test(s)) {
    const found = Object.entries(constants.signals).find(([, n]) => n === Number(s));
    if (found) return found[0] as NodeJS.Signals;
  }
  if (!(name in constants.signals)) throw new KubemuError('Usage', `unknown signal ${s}`);
  return name;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      'project-name': { type: 'string', short: 'p' },
      'run-dir': { type: 'string' },
      loopback: { type: 'boolean', default: false },
      detach: { type: 'boolean', short: 'd', default: false },
      supervisor: { type: 'boolean', default: false },
      volumes: { type: 'boolean', short: 'v', default: false },
      json: { type: 'boolean', default: false },
      follow: { type: 'boolean', default: false },
      signal: { type: 'string', short: 's', default: 'SIGKILL' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [verb, ...rest] = positionals;
  if (values.help || verb === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const opts: GlobalOptions = { loopback: values.loopback };
  if (values.file !== undefined) opts.file = values.file;
  if (values['project-name'] !== undefined) opts.projectName = values['project-name'];
  if (values['run-dir'] !== undefined) opts.runRoot = values['run-dir'];
  switch (verb) {
    case 'up':
      await up(opts, rest, values.detach, values.supervisor);
      return -1; // the supervisor keeps running; its signal handlers end the process
    case 'down':
      await down(opts, values.volumes);
      return 0;
    case 'status':
    case 'ps':
      return (await status(opts, values.json)) ? 0 : 1;
    case 'logs':
      await logs(opts, need(rest[0], 'logs needs a SERVICE'), values.follow);
      return 0;
    case 'kill':
      await kill(opts, need(rest[0], 'kill needs a SERVICE'), signalName(values.signal));
      return 0;
    case 'start':
      await control(opts, { op: 'start', service: need(rest[0], 'start needs a SERVICE') });
      return 0;
    case 'partition':
      await control(opts, { op: 'partition', services: rest });
      return 0;
    case 'heal':
      await control(opts, { op: 'heal' });
      return 0;
    default:
      throw new KubemuError('Usage', `unknown command ${verb}\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(`kubemu: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
