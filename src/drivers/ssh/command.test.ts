/** Quoting, the PID line and the output cap, checked against a local POSIX shell. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CappedOutput,
  commandLine,
  PidLineFilter,
  pidPrefix,
  shellQuote,
  wrappedCommandLine,
} from './command.js';

const run = promisify(execFile);

describe('command lines', () => {
  it("quotes every argument and escapes single quotes as '\\''", () => {
    expect(shellQuote('plain')).toBe("'plain'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(commandLine([])).toBeUndefined();
    expect(commandLine(['a\0b'])).toBeUndefined();
  });

  it('makes sh and bash see the arguments verbatim', async () => {
    const args = ["it's", '$(id)', '`id`', 'a; b', 'x\ny', '', '*', '\\', '"', "'\\''", '-e'];
    const line = commandLine(['printf', '%s\\n', ...args]) ?? '';
    for (const shell of ['sh', 'bash']) {
      const { stdout } = await run(shell, ['-c', line]);
      expect(stdout).toBe(args.map((a) => `${a}\n`).join(''));
    }
  });

  it('announces the shell PID on stderr before running the command', async () => {
    const line = wrappedCommandLine(['sh', '-c', 'echo out; echo err >&2; exit 4'], 'feed') ?? '';
    const outcome = await run('sh', ['-c', line]).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(outcome?.code).toBe(4);
    expect(outcome?.stdout).toBe('out\n');
    expect(outcome?.stderr).toMatch(new RegExp(`^${pidPrefix('feed')}\\d+\\nerr\\n$`));
  });
});

describe('PidLineFilter', () => {
  it('takes the PID line out of stderr, even split across chunks and after rc-file noise', () => {
    const filter = new PidLineFilter('t0k');
    const parts = ['noise from .bashrc\nescal', 'ator-pid-t0k:12', '34\nreal ', 'error\n'];
    const kept = parts.map((p) => filter.push(Buffer.from(p)).toString()).join('');
    expect(kept + filter.end().toString()).toBe('noise from .bashrc\nreal error\n');
    expect(filter.pid).toBe(1234);
  });

  it('passes everything through when no PID line comes', () => {
    const filter = new PidLineFilter('t0k');
    const text = 'x'.repeat(5000);
    const kept = filter.push(Buffer.from(text)).toString() + filter.end().toString();
    expect(kept).toBe(text);
    expect(filter.pid).toBeUndefined();
  });
});

describe('CappedOutput', () => {
  it('keeps output under the cap whole', () => {
    const out = new CappedOutput(10);
    out.push(Buffer.from('hello\n'));
    expect(out.text()).toBe('hello\n');
  });

  it('cuts at the cap on a character boundary and says how much was dropped', () => {
    const out = new CappedOutput(5);
    out.push(Buffer.from('abcd'));
    out.push(Buffer.from('é and more')); // é is two bytes: only its first fits
    expect(out.text()).toBe('abcd\n… (11 bytes dropped)\n');
  });
});
