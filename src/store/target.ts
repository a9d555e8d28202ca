/**
 * What a `--db` value names, parsed without loading any database driver: the commands that only
 * plan need these (for their help text) and must not pay for Kysely, SQLite and pg.
 */
import { resolve } from 'node:path';
import { EscalatorError } from '../model/index.js';

/** Where the store lives when no `--db` is given, relative to the working directory. */
export const DEFAULT_DB_PATH = '.escalator/escalator.db';

/**
 * SQLite's `synchronous` in WAL mode. `normal` (the default): every commit survives the process
 * being killed, and after a power cut the database holds a prefix of the commits (the engine then
 * asks the last steps again under the same idempotency keys, which is safe); `full`: every commit
 * is also on disk before it returns, at ~1.2 ms an fsync on this kind of machine.
 */
export type SqliteSync = 'normal' | 'full';

export type Target =
  | { readonly dialect: 'sqlite'; readonly path: string; readonly synchronous?: SqliteSync }
  | { readonly dialect: 'postgres'; readonly url: string };

/**
 * `undefined` or '' → the default file; `postgres://…`, `postgresql://…` → PostgreSQL;
 * `sqlite:PATH`, `sqlite://PATH`, `sqlite:///ABS/PATH` or a plain path → SQLite
 * (`:memory:` is an in-memory database, for tests).
 */
export function parseTarget(target?: string): Target {
  const value = target?.trim() ?? '';
  if (value === '') return { dialect: 'sqlite', path: DEFAULT_DB_PATH };
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: 'postgres', url: value };
  const sqliteUrl = /^sqlite:([^?]*)(?:\?(.*))?$/i.exec(value);
  if (sqliteUrl) {
    let path = sqliteUrl[1]!;
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '')
      throw new EscalatorError('ESC_USAGE', `the database URL ${value} names no file`);
    const query = new URLSearchParams(sqliteUrl[2] ?? '');
    for (const key of query.keys())
      if (key !== 'synchronous')
        throw new EscalatorError(
          'ESC_USAGE',
          `the database URL ${value} has an unknown parameter "${key}" (known: synchronous)`,
        );
    const synchronous = query.get('synchronous')?.toLowerCase();
    if (synchronous !== undefined && synchronous !== 'normal' && synchronous !== 'full')
      throw new EscalatorError(
        'ESC_USAGE',
        `the database URL ${value}: synchronous must be normal or full, found "${synchronous}"`,
      );
    return { dialect: 'sqlite', path, ...(synchronous ? { synchronous } : {}) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    throw new EscalatorError(
      'ESC_USAGE',
      `the database ${value} is neither a file path, a sqlite: URL nor a postgres:// URL`,
    );
  return { dialect: 'sqlite', path: value };
}

/** The target as it may be shown: a URL without its password. */
export function describeTarget(target: Target): string {
  if (target.dialect === 'sqlite')
    return target.path === ':memory:' ? ':memory:' : resolve(target.path);
  try {
    const url = new URL(target.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
