/**
 * The engine's log: JSON lines with timestamp, level, campaign, run, object id, action and
 * error code (DESIGN.md §7), written by pino to a file or to stderr. The engine logs through
 * this small interface, so a test can collect lines and the CLI can choose the destination.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import type { ErrorCode } from '../model/index.js';

export interface LogFields {
  readonly campaign?: string;
  readonly run?: string;
  /** The object the line is about: a host, a step key, a VNF, the run. */
  readonly object?: string;
  readonly action?: string;
  readonly code?: ErrorCode;
  readonly [extra: string]: string | number | boolean | null | undefined;
}

export interface EngineLog {
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** A log whose every line carries `fields` too. */
  child(fields: LogFields): EngineLog;
  /** Writes what is buffered (before the process exits). */
  flush(): void;
}

type PinoLogger = ReturnType<typeof pino>;

class PinoLog implements EngineLog {
  constructor(private readonly logger: PinoLogger) {}
  info(fields: LogFields, message: string): void {
    this.logger.info(fields, message);
  }
  warn(fields: LogFields, message: string): void {
    this.logger.warn(fields, message);
  }
  error(fields: LogFields, message: string): void {
    this.logger.error(fields, message);
  }
  child(fields: LogFields): EngineLog {
    return new PinoLog(this.logger.child(fields));
  }
  flush(): void {
    this.logger.flush();
  }
}

/**
 * JSON lines to `destination`: a file path (appended to, its folder created) or `-` for
 * stderr. Timestamps are ISO-8601; levels are words, not numbers.
 */
export function jsonLog(destination: string): EngineLog {
  if (destination !== '-') mkdirSync(dirname(destination), { recursive: true });
  const stream =
    destination === '-'
      ? pino.destination({ fd: 2, sync: true })
      : pino.destination({ dest: destination, append: true, sync: false, mkdir: true });
  return new PinoLog(
    pino(
      {
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      stream,
    ),
  );
}

/** Lines kept in memory (tests). */
export class MemoryLog implements EngineLog {
  constructor(
    readonly lines: { level: string; message: string; fields: LogFields }[] = [],
    private readonly base: LogFields = {},
  ) {}
  info(fields: LogFields, message: string): void {
    this.lines.push({ level: 'info', message, fields: { ...this.base, ...fields } });
  }
  warn(fields: LogFields, message: string): void {
    this.lines.push({ level: 'warn', message, fields: { ...this.base, ...fields } });
  }
  error(fields: LogFields, message: string): void {
    this.lines.push({ level: 'error', message, fields: { ...this.base, ...fields } });
  }
  child(fields: LogFields): EngineLog {
    return new MemoryLog(this.lines, { ...this.base, ...fields });
  }
  flush(): void {}
}
