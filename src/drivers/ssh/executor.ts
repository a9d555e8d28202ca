/**
 * Runs commands on hosts over SSH for the OpenStack driver (install a package, restart a
 * service, reboot, read versions). One connection per endpoint, shared by concurrent commands
 * as channels and re-established when it drops; strict host key checking against a known_hosts
 * file; key authentication only. Every failure is a `DriverError` whose message names the host
 * and the endpoint; a command that ran and exited non-zero is a result, not a failure.
 */
import { DriverError } from '../driver.js';
import type { DriverFailureKind } from '../driver.js';
import { runOnConnection } from './channel.js';
import type { CommandResult } from './channel.js';
import { commandLine } from './command.js';
import { connect } from './connection.js';
import type { Connection, Endpoint } from './connection.js';
import { EndpointFailure } from './failure.js';

export type { CommandResult } from './channel.js';

export interface RunOptions {
  /** Seconds the command may run once started; past it the remote process group is killed. */
  timeoutSeconds?: number;
  /** Written to the command's standard input, which is then closed (it is always closed). */
  input?: string;
}

export interface HostExecutor {
  run(host: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface SshHostConfig {
  address: string;
  port?: number;
  user: string;
  /** An OpenSSH (or PEM) private key file. */
  privateKeyPath: string;
  /** The environment variable holding the key's passphrase, when the key is encrypted. */
  passphraseEnv?: string;
  /** The OpenSSH known_hosts file the host's key must be listed in. */
  knownHostsPath: string;
  connectTimeoutSeconds?: number;
}

export interface SshExecutorOptions {
  /** The SSH endpoint of an inventory host name; several names may share one endpoint. */
  hosts: (host: string) => SshHostConfig | undefined;
  /** Per stream (stdout, stderr) and command; default 1 MiB. */
  maxOutputBytes?: number;
  /** Keepalive interval; a connection silent for three intervals is dropped. Default 15 s. */
  keepaliveSeconds?: number;
  /**
   * Commands run at once over one connection; the rest wait their turn. Default 8: OpenSSH
   * refuses sessions beyond `MaxSessions` (10 by default) and frees a closed one a little late,
   * and a timed-out command needs one more for its kill.
   */
  maxSessionsPerConnection?: number;
}

const DEFAULT_PORT = 22;
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_KEEPALIVE_SECONDS = 15;
const DEFAULT_MAX_SESSIONS = 8;
/** Tries to open a channel: a refused session is retried after 0.1, 0.2, 0.4, 0.8, 1.6 s. */
const OPEN_ATTEMPTS = 6;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: bounds the channels open at once on an endpoint, across reconnects. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves with a release function, callable any number of times (the first one counts). */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

interface EndpointState {
  readonly endpoint: Endpoint;
  readonly slots: Slots;
  /** The live or connecting connection; cleared when it fails or drops. */
  connection: Promise<Connection> | undefined;
}

export class SshExecutor implements HostExecutor {
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly maxOutputBytes: number;
  private readonly keepaliveMs: number;
  private readonly maxSessions: number;
  private closed = false;

  constructor(private readonly options: SshExecutorOptions) {
    this.maxOutputBytes = Math.max(0, options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    this.keepaliveMs = Math.max(0, (options.keepaliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS) * 1000);
    this.maxSessions = Math.max(1, options.maxSessionsPerConnection ?? DEFAULT_MAX_SESSIONS);
  }

  /**
   * Runs `argv` on `host` and resolves with its exit code and output, whatever the exit code.
   * @throws DriverError about `host` when the command could not run or did not finish in time.
   */
  async run(
    host: string,
    argv: readonly string[],
    options: RunOptions = {},
  ): Promise<CommandResult> {
    if (this.closed) throw new DriverError('rejected', host, `${host}: the SSH executor is closed`);
    const config = this.options.hosts(host);
    if (!config)
      throw new DriverError('rejected', host, `${host}: no SSH configuration for this host`);
    const endpoint = this.endpointOf(config);
    const fail = (kind: DriverFailureKind, detail: string): DriverError =>
      new DriverError(kind, host, `${host} (${endpoint.label}): ${detail}`);
    if (commandLine(argv) === undefined)
      throw fail('rejected', 'the command is empty or contains a NUL byte');
    const timeout = options.timeoutSeconds;
    if (timeout !== undefined && !(timeout > 0 && Number.isFinite(timeout)))
      throw fail('rejected', `invalid timeout ${timeout} s: it must be a positive number`);

    const state = this.stateOf(endpoint);
    const release = await state.slots.acquire();
    try {
      return await this.runInSlot(state, argv, options, release);
    } catch (error) {
      // A timed-out channel keeps its slot until the server confirms it closed.
      if (!(error instanceof EndpointFailure && error.channelOpen)) release();
      if (error instanceof EndpointFailure) throw fail(error.kind, error.detail);
      throw fail('failed', `unexpected failure: ${String(error)}`);
    }
  }

  /** Ends every connection; later calls to `run` are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.endpoints.values()].map((s) => s.connection);
    this.endpoints.clear();
    await Promise.all(
      pending.map(async (connecting) => {
        const connection = await connecting?.catch(() => undefined);
        await connection?.end();
      }),
    );
  }

  /** The host's config with defaults applied, keyed by everything that shapes a connection. */
  private endpointOf(config: SshHostConfig): Endpoint {
    const port = config.port ?? DEFAULT_PORT;
    const seconds = config.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const label = config.address.includes(':')
      ? `[${config.address}]:${port}`
      : `${config.address}:${port}`;
    const key = JSON.stringify([
      config.address,
      port,
      config.user,
      config.privateKeyPath,
      config.passphraseEnv ?? '',
      config.knownHostsPath,
    ]);
    return {
      key,
      label,
      address: config.address,
      port,
      user: config.user,
      privateKeyPath: config.privateKeyPath,
      passphraseEnv: config.passphraseEnv,
      knownHostsPath: config.knownHostsPath,
      connectTimeoutMs: Math.max(1, seconds * 1000),
      keepaliveMs: this.keepaliveMs,
    };
  }

  private stateOf(endpoint: Endpoint): EndpointState {
    let state = this.endpoints.get(endpoint.key);
    if (!state) {
      state = { endpoint, slots: new Slots(this.maxSessions), connection: undefined };
      this.endpoints.set(endpoint.key, state);
    }
    return state;
  }

  /**
   * Runs the command holding a slot. When the channel could not be opened nothing ran, so it is
   * safe to try again: on a new connection when the old one died while idle (the host
   * rebooted: the transparent reconnect), or after a pause when the server refused a session.
   */
  private async runInSlot(
    state: EndpointState,
    argv: readonly string[],
    options: RunOptions,
    release: () => void,
  ): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const connection = await this.connectionOf(state);
      try {
        return await runOnConnection(connection, argv, {
          timeoutSeconds: options.timeoutSeconds,
          input: options.input,
          maxOutputBytes: this.maxOutputBytes,
          release,
        });
      } catch (error) {
        const again = error instanceof EndpointFailure && error.unstarted;
        if (!again || attempt >= OPEN_ATTEMPTS) throw error;
        if (connection.alive) await sleep(50 * 2 ** attempt);
      }
    }
  }

  /** The endpoint's live connection, or a new one (concurrent callers share the attempt). */
  private async connectionOf(state: EndpointState): Promise<Connection> {
    // A run that was waiting when close() was called must not open a connection nobody ends.
    if (this.closed) throw new EndpointFailure('rejected', 'the SSH executor is closed');
    const current = state.connection;
    if (current) {
      const connection = await current.catch(() => undefined);
      if (connection?.alive) return connection;
      // Someone else may have started a new connection while we waited: share it.
      if (state.connection !== current) return this.connectionOf(state);
    }
    const connecting = connect(state.endpoint, () => {
      if (state.connection === connecting) state.connection = undefined;
    });
    state.connection = connecting;
    connecting.catch(() => {
      if (state.connection === connecting) state.connection = undefined;
    });
    return connecting;
  }
}
