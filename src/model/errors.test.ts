import { describe, expect, it } from 'vitest';
import { ERRORS, EscalatorError, type ErrorCode } from './errors.js';

const codes = Object.keys(ERRORS) as ErrorCode[];

describe('the error registry', () => {
  it('names every code ESC_ followed by upper-case words', () => {
    for (const code of codes) expect(code).toMatch(/^ESC_[A-Z]+(_[A-Z]+)*$/);
  });

  it('gives every code a CLI exit code that is not success nor a shell-reserved value', () => {
    for (const code of codes) {
      const { exit } = ERRORS[code];
      expect(Number.isInteger(exit), code).toBe(true);
      expect(exit, code).toBeGreaterThan(1);
      expect(exit, code).toBeLessThan(126);
    }
  });

  it('gives every code an HTTP error status', () => {
    for (const code of codes) {
      const { http } = ERRORS[code];
      expect(http >= 400 && http < 600, `${code}: ${http}`).toBe(true);
    }
  });

  it('gives every code a meaning written as a sentence', () => {
    for (const code of codes) expect(ERRORS[code].meaning, code).toMatch(/^[A-Z].{10,}\.$/);
  });

  it('keeps input errors at exit 2 and bugs apart from them', () => {
    expect(ERRORS.ESC_DOCUMENT_INVALID.exit).toBe(2);
    expect(ERRORS.ESC_USAGE.exit).toBe(2);
    expect(ERRORS.ESC_INTERNAL.exit).not.toBe(2);
  });
});

describe('EscalatorError', () => {
  it('carries its code, exit code and details', () => {
    const error = new EscalatorError('ESC_FILE_UNREADABLE', 'cannot read x.yaml', ['detail']);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ESC_FILE_UNREADABLE');
    expect(error.exitCode).toBe(2);
    expect(error.details).toEqual(['detail']);
    expect(error.message).toBe('cannot read x.yaml');
  });
});
