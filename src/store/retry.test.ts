import { describe, expect, it } from 'vitest';
import { EscalatorError } from '../model/index.js';
import { isTransient, toStoreError, withRetry } from './retry.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
const fixedRandom = { uint32: () => 2 ** 31 }; // one half

describe('transient failures', () => {
  it('are SQLite busy/locked, PostgreSQL serialization, deadlock and lost connections', () => {
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_LOCKED',
      '40001',
      '40P01',
      '55P03',
      '57P01',
      '08006',
      'ECONNRESET',
    ])
      expect(isTransient(coded(code)), code).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('are not constraint violations, syntax errors or our own errors', () => {
    for (const code of [
      'SQLITE_CONSTRAINT_UNIQUE',
      '23505',
      '42601',
      'SQLITE_ERROR',
      'SQLITE_CORRUPT',
    ])
      expect(isTransient(coded(code)), code).toBe(false);
    expect(isTransient(new EscalatorError('ESC_STORE_CONFLICT', 'x'))).toBe(false);
    expect(isTransient('a string')).toBe(false);
  });
});

describe('withRetry', () => {
  it('retries a transient failure with growing, jittered sleeps, then succeeds', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry(
      () => (++calls < 4 ? Promise.reject(coded('SQLITE_BUSY')) : Promise.resolve('done')),
      'testing',
      { attempts: 5, baseMs: 10, capMs: 25 },
      fixedRandom,
      (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([5, 10, 12]); // half of min(cap, 10·2ⁿ)
  });

  it('gives up after the last attempt with ESC_STORE_UNAVAILABLE', async () => {
    let calls = 0;
    const error = await withRetry(
      () => {
        calls++;
        return Promise.reject(coded('40001', 'could not serialize access'));
      },
      'changing a run',
      { attempts: 3, baseMs: 1, capMs: 1 },
      fixedRandom,
      () => Promise.resolve(),
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(EscalatorError);
    expect((error as EscalatorError).code).toBe('ESC_STORE_UNAVAILABLE');
    expect((error as EscalatorError).message).toContain('after 3 tries');
  });

  it('does not retry other failures', async () => {
    let calls = 0;
    const error = await withRetry(
      () => {
        calls++;
        return Promise.reject(coded('23505', 'duplicate key'));
      },
      'adding steps',
      { attempts: 5, baseMs: 1, capMs: 1 },
      fixedRandom,
      () => Promise.resolve(),
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((error as EscalatorError).code).toBe('ESC_STORE_CONFLICT');
  });
});

describe('toStoreError', () => {
  it('names constraint and availability failures, and leaves others alone', () => {
    expect((toStoreError(coded('SQLITE_CONSTRAINT_FOREIGNKEY'), 'x') as EscalatorError).code).toBe(
      'ESC_NOT_FOUND',
    );
    expect((toStoreError(coded('SQLITE_CANTOPEN'), 'x') as EscalatorError).code).toBe(
      'ESC_STORE_UNAVAILABLE',
    );
    expect((toStoreError(coded('3D000'), 'x') as EscalatorError).code).toBe(
      'ESC_STORE_UNAVAILABLE',
    );
    const plain = coded('42601', 'syntax error');
    expect(toStoreError(plain, 'x')).toBe(plain);
  });
});
