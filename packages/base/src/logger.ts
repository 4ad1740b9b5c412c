import winston from 'winston';

/** A structured logger: one JSON line per record on stdout, each carrying its component. */
export type Logger = winston.Logger;

export interface LoggerOptions {
  component: string;
  level?: string;
  /** Extra fields put on every record (member name, node id, ...). */
  fields?: Record<string, unknown>;
  /** Where records go; stdout by default. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: opts.level ?? process.env.KUBEMU_LOG_LEVEL ?? 'info',
    defaultMeta: { component: opts.component, ...opts.fields },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [transport],
  });
}

/** A logger that drops everything, for hot loops in tests and simulations. */
export function silentLogger(component = 'silent'): Logger {
  return winston.createLogger({
    silent: true,
    defaultMeta: { component },
    transports: [new winston.transports.Console({ silent: true })],
  });
}
