/**
 * The SSH host executor against a real OpenSSH server (src/drivers/ssh/testing/sshd.ts starts
 * one on 127.0.0.1 for this file). Without sshd these tests fail in CI and are skipped, with a
 * warning, elsewhere — as the PostgreSQL half of the store tests is.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DriverError } from '../driver.js';
import type { DriverFailureKind } from '../driver.js';
import { SshExecutor } from './executor.js';
import type { SshExecutorOptions, SshHostConfig } from './executor.js';
import { startSshd } from './testing/sshd.js';
import type { SshdFixture } from './testing/sshd.js';

const run = promisify(execFile);
const inCi = process.env.CI === 'true' || process.env.CI === '1';

let fixture: SshdFixture | undefined;
let unavailable: string | undefined;
try {
  fixture = await startSshd();
} catch (error) {
  unavailable = error instanceof Error ? error.message : String(error);
}

/** The running fixture; the suite's beforeAll has failed already when there is none. */
function sshd(): SshdFixture {
  if (!fixture) throw new Error(`no OpenSSH server for the tests: ${unavailable}`);
  return fixture;
}

/** The fixture's endpoint, with changes. */
function endpoint(changes: Partial<SshHostConfig> = {}): SshHostConfig {
  const server = sshd();
  return {
    address: server.address,
    port: server.port,
    user: server.user,
    privateKeyPath: server.client.privateKeyPath,
    knownHostsPath: server.knownHostsPath,
    connectTimeoutSeconds: 5,
    ...changes,
  };
}

const executors: SshExecutor[] = [];

/** An executor mapping every `compute-*` name to one endpoint; closed after each test. */
function executor(
  changes: Partial<SshHostConfig> = {},
  options: Partial<SshExecutorOptions> = {},
): SshExecutor {
  const config = endpoint(changes);
  const made = new SshExecutor({
    hosts: (host) => (host.startsWith('compute-') ? config : undefined),
    ...options,
  });
  executors.push(made);
  return made;
}

/** The DriverError a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<DriverError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  if (!(outcome.error instanceof DriverError))
    throw new Error(`expected a DriverError, got ${String(outcome.error)}`);
  return outcome.error;
}

function expectFailure(error: DriverError, kind: DriverFailureKind, ...phrases: string[]): void {
  expect(error.kind, error.message).toBe(kind);
  expect(error.subject).toBe('compute-1');
  expect(error.message).toContain(`compute-1 (127.0.0.1:`);
  for (const phrase of phrases) expect(error.message).toContain(phrase);
  expect(error.message).not.toMatch(/\n\s+at /);
}

/** Logins sshd accepted so far: one per connection the executor made. */
function logins(): number {
  return sshd()
    .log()
    .split('\n')
    .filter((l) => l.includes('Accepted publickey')).length;
}

/** PIDs whose command line contains `text` (this machine runs the server). */
function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text)) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** `SHA256:…` of the server's host key, as ssh-keygen prints it. */
async function hostFingerprint(): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-f', `${sshd().hostKey.privateKeyPath}.pub`]);
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(stdout);
  if (!match) throw new Error(`no fingerprint in ${stdout}`);
  return match[0];
}

/** A TCP port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

if (!fixture && !inCi) {
  console.warn(`\n[ssh executor tests] SKIPPED: ${unavailable}\n`);
  describe.skip(`SshExecutor on OpenSSH — SKIPPED: ${unavailable}`, () => {
    it('runs commands on a real OpenSSH server', () => {});
  });
} else {
  describe('SshExecutor on a real OpenSSH server', () => {
    beforeAll(() => {
      if (!fixture) throw new Error(`the SSH tests need OpenSSH in CI: ${unavailable}`);
    });
    afterEach(async () => {
      await Promise.all(executors.splice(0).map((e) => e.close()));
    });
    afterAll(async () => {
      await fixture?.dispose();
    });

    it('runs a command and returns stdout, stderr and the exit code', async () => {
      const result = await executor().run('compute-1', ['sh', '-c', 'echo out; echo err >&2']);
      expect(result).toEqual({ exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
    });

    it('resolves a non-zero exit with its code', async () => {
      const result = await executor().run('compute-1', ['sh', '-c', 'echo failing >&2; exit 3']);
      expect(result).toEqual({ exitCode: 3, stdout: '', stderr: 'failing\n' });
    });

    it('reports a command killed by a signal as 128 + the signal number', async () => {
      const result = await executor().run('compute-1', ['sh', '-c', 'kill -KILL $$']);
      expect(result.exitCode).toBe(128 + 9);
    });

    it('passes input to standard input and closes it', async () => {
      const input = 'first line\nsecond \u00e9 line\n';
      const result = await executor().run('compute-1', ['cat'], { input });
      expect(result.stdout).toBe(input);
      // Without input, stdin is closed at once: a command reading it does not hang.
      expect((await executor().run('compute-1', ['cat'], { timeoutSeconds: 10 })).stdout).toBe('');
    });

    it('carries arguments with spaces, quotes, $(…), ;, newlines verbatim', async () => {
      const canary = join(sshd().folder, 'injected');
      const args = [
        'two words',
        "it's",
        '"double" quotes',
        `$(touch ${canary})`,
        `\`touch ${canary}\``,
        `a; touch ${canary}`,
        `x && touch ${canary} || true`,
        'line one\nline two',
        '',
        '*',
        '$HOME ${PATH} \\ back\\slash',
        "'\\''",
        '-n',
        '> redirected < in | piped & bg',
        'tab\there',
        'unicode ✓ é',
      ];
      const result = await executor().run('compute-1', ['printf', '%s\\n', ...args]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(args.map((a) => `${a}\n`).join(''));
      expect(existsSync(canary)).toBe(false);
    });

    it('runs 20 commands at once over one connection, shared by 20 host names', async () => {
      const ssh = executor();
      const before = logins();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ssh.run(`compute-${i + 1}`, ['sh', '-c', `sleep 0.3; echo ${i}`]),
        ),
      );
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
      expect(logins() - before).toBe(1);
    });

    it('fails a command past its timeout with kind timeout and kills the remote process', async () => {
      const ssh = executor();
      const unique = `600.${randomBytes(4).readUInt32BE(0)}`;
      const started = Date.now();
      const error = await failure(
        ssh.run('compute-1', ['sh', '-c', `sleep ${unique}; echo finished`], {
          timeoutSeconds: 1,
        }),
      );
      expectFailure(error, 'timeout', 'within 1 s', 'was killed');
      expect(Date.now() - started).toBeLessThan(5_000);
      const gone = await waitFor(() => processesWith(unique).length === 0, 5_000);
      expect(gone, `still running: ${processesWith(unique).join(', ')}`).toBe(true);
      // The connection and its session slot are still usable.
      expect((await ssh.run('compute-1', ['echo', 'after'])).stdout).toBe('after\n');
    });

    it('refuses a changed host key with kind unauthorised, naming the host key and fingerprint', async () => {
      const impostor = await sshd().newKeyPair('impostor_host');
      const knownHosts = join(sshd().folder, 'known_hosts_changed');
      const fields = impostor.publicKey.split(' ').slice(0, 2).join(' ');
      await writeFile(knownHosts, `[127.0.0.1]:${sshd().port} ${fields}\n`);
      const error = await failure(
        executor({ knownHostsPath: knownHosts }).run('compute-1', ['true']),
      );
      expectFailure(error, 'unauthorised', 'host key', await hostFingerprint(), 'changed');
    });

    it('refuses a host missing from known_hosts with kind unauthorised', async () => {
      const knownHosts = join(sshd().folder, 'known_hosts_empty');
      await writeFile(knownHosts, '# nobody\n');
      const error = await failure(
        executor({ knownHostsPath: knownHosts }).run('compute-1', ['true']),
      );
      expectFailure(error, 'unauthorised', 'host key', 'is not in', await hostFingerprint());
    });

    it('accepts a hashed known_hosts entry (ssh-keygen -H)', async () => {
      const knownHosts = join(sshd().folder, 'known_hosts_hashed');
      await copyFile(sshd().knownHostsPath, knownHosts);
      await run('ssh-keygen', ['-H', '-f', knownHosts]);
      expect(readFileSync(knownHosts, 'utf8')).toMatch(/^\|1\|/);
      const result = await executor({ knownHostsPath: knownHosts }).run('compute-1', ['true']);
      expect(result.exitCode).toBe(0);
    });

    it('refuses an unknown client key with kind unauthorised', async () => {
      const stranger = await sshd().newKeyPair('stranger');
      const error = await failure(
        executor({ privateKeyPath: stranger.privateKeyPath }).run('compute-1', ['true']),
      );
      expectFailure(error, 'unauthorised', 'authentication refused', stranger.privateKeyPath);
    });

    it('logs in with an encrypted key whose passphrase is in passphraseEnv', async () => {
      const key = await sshd().newKeyPair('encrypted', 'correct horse');
      await sshd().authorize(key);
      const variable = `ESCALATOR_TEST_PASSPHRASE_${randomBytes(3).toString('hex')}`;
      process.env[variable] = 'correct horse';
      try {
        const ssh = executor({ privateKeyPath: key.privateKeyPath, passphraseEnv: variable });
        expect((await ssh.run('compute-1', ['echo', 'ok'])).stdout).toBe('ok\n');
      } finally {
        delete process.env[variable];
      }
      const unset = await failure(
        executor({ privateKeyPath: key.privateKeyPath, passphraseEnv: variable }).run('compute-1', [
          'true',
        ]),
      );
      expectFailure(unset, 'unauthorised', variable, 'not set');
    });

    it('fails with kind transient (connection refused) when nothing listens on the port', async () => {
      const port = await closedPort();
      const error = await failure(executor({ port }).run('compute-1', ['true']));
      expectFailure(error, 'transient', `127.0.0.1:${port}): connection refused`);
    });

    it('fails with kind timeout when the server never completes the handshake', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      try {
        const started = Date.now();
        const error = await failure(
          executor({ port, connectTimeoutSeconds: 1 }).run('compute-1', ['true']),
        );
        expectFailure(error, 'timeout', 'within 1 s');
        expect(Date.now() - started).toBeLessThan(4_000);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('fails a command whose connection drops mid-command with kind transient', async () => {
      const ssh = executor();
      const unique = `601.${randomBytes(4).readUInt32BE(0)}`;
      const running = ssh.run('compute-1', ['sleep', unique]);
      const outcome = failure(running);
      expect(await waitFor(() => processesWith(unique).length > 0, 5_000)).toBe(true);
      await sshd().stop();
      try {
        expectFailure(await outcome, 'transient', 'connection dropped');
      } finally {
        await sshd().start();
      }
    });

    it('reconnects transparently after the server restarts', async () => {
      const ssh = executor();
      expect((await ssh.run('compute-1', ['echo', 'before'])).stdout).toBe('before\n');
      const before = logins();
      await sshd().stop();
      await sshd().start();
      expect((await ssh.run('compute-1', ['echo', 'after'])).stdout).toBe('after\n');
      expect(logins() - before).toBe(1);
    });

    it('cuts output over the cap and ends it with a marker line', async () => {
      const ssh = executor({}, { maxOutputBytes: 1000 });
      const result = await ssh.run('compute-1', [
        'sh',
        '-c',
        "head -c 5000 /dev/zero | tr '\\0' a; echo small >&2",
      ]);
      expect(result.stdout).toBe(`${'a'.repeat(1000)}\n… (4000 bytes dropped)\n`);
      expect(result.stderr).toBe('small\n');
      expect(result.exitCode).toBe(0);
    });

    it('rejects a host name without SSH configuration', async () => {
      const error = await failure(executor().run('controller-9', ['true']));
      expect(error.kind).toBe('rejected');
      expect(error.subject).toBe('controller-9');
      expect(error.message).toBe('controller-9: no SSH configuration for this host');
    });

    it('rejects an empty command and an argument with a NUL byte without connecting', async () => {
      const ssh = executor({ port: 1 });
      expect((await failure(ssh.run('compute-1', []))).kind).toBe('rejected');
      expect((await failure(ssh.run('compute-1', ['echo', 'a\0b']))).kind).toBe('rejected');
    });

    it('refuses commands after close()', async () => {
      const ssh = executor();
      await ssh.run('compute-1', ['true']);
      await ssh.close();
      expect((await failure(ssh.run('compute-1', ['true']))).kind).toBe('rejected');
    });
  });
}
