import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EscalatorError } from '../model/index.js';
import { DEFAULT_DB_PATH, describeTarget, parseTarget } from './connect.js';

describe('the --db value', () => {
  it('defaults to .escalator/escalator.db', () => {
    expect(parseTarget()).toEqual({ dialect: 'sqlite', path: DEFAULT_DB_PATH });
    expect(parseTarget('  ')).toEqual({ dialect: 'sqlite', path: DEFAULT_DB_PATH });
    expect(DEFAULT_DB_PATH).toBe('.escalator/escalator.db');
  });

  it('reads paths and sqlite: URLs as SQLite files', () => {
    expect(parseTarget('runs.db')).toEqual({ dialect: 'sqlite', path: 'runs.db' });
    expect(parseTarget('/var/lib/escalator/e.db')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/escalator/e.db',
    });
    expect(parseTarget('sqlite:runs.db')).toEqual({ dialect: 'sqlite', path: 'runs.db' });
    expect(parseTarget('sqlite://runs.db')).toEqual({ dialect: 'sqlite', path: 'runs.db' });
    expect(parseTarget('sqlite:///abs/runs.db')).toEqual({
      dialect: 'sqlite',
      path: '/abs/runs.db',
    });
    expect(parseTarget('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  it('takes synchronous=normal|full from a sqlite: URL (NORMAL when not said)', () => {
    expect(parseTarget('sqlite:runs.db?synchronous=full')).toEqual({
      dialect: 'sqlite',
      path: 'runs.db',
      synchronous: 'full',
    });
    expect(parseTarget('sqlite:///abs/runs.db?synchronous=NORMAL')).toEqual({
      dialect: 'sqlite',
      path: '/abs/runs.db',
      synchronous: 'normal',
    });
    for (const bad of ['sqlite:runs.db?synchronous=off', 'sqlite:runs.db?journal=delete'])
      expect(() => parseTarget(bad), bad).toThrow(/synchronous/);
  });

  it('reads postgres:// and postgresql:// URLs as PostgreSQL', () => {
    expect(parseTarget('postgres://u:p@db:5432/esc')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@db:5432/esc',
    });
    expect(parseTarget('postgresql://db/esc').dialect).toBe('postgres');
  });

  it('refuses other URLs and an empty sqlite: URL', () => {
    for (const bad of ['mysql://db/esc', 'sqlite:', 'https://example.invalid/x']) {
      const error = (() => {
        try {
          parseTarget(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(EscalatorError);
      expect((error as EscalatorError).code).toBe('ESC_USAGE');
    }
  });

  it('is shown without a password', () => {
    expect(describeTarget(parseTarget('postgres://esc:secret@db:5432/esc'))).toBe(
      'postgres://esc:***@db:5432/esc',
    );
    expect(describeTarget(parseTarget('runs.db'))).toBe(resolve('runs.db'));
  });
});
