/**
 * One authenticated SSH connection to an endpoint: key authentication only, the server's host
 * key checked against a known_hosts file before anything is sent, failures classified into
 * `EndpointFailure`s an operator can act on.
 */
import { readFile } from 'node:fs/promises';
import type Ssh2Library from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { EndpointFailure, ioReason, socketFailure, socketProblem } from './failure.js';
import type { LibraryError } from './failure.js';
import {
  checkHostKey,
  keysFor,
  knownHostName,
  parseKnownHosts,
  preferredAlgorithms,
} from './known-hosts.js';
import type { KnownHostsEntry } from './known-hosts.js';

/** Where and how to connect, defaults applied. */
export interface Endpoint {
  /** Identifies the connection: host names whose endpoints have equal keys share one. */
  readonly key: string;
  /** `address:port` (`[v6]:port`), for messages. */
  readonly label: string;
  readonly address: string;
  readonly port: number;
  readonly user: string;
  readonly privateKeyPath: string;
  readonly passphraseEnv: string | undefined;
  readonly knownHostsPath: string;
  readonly connectTimeoutMs: number;
  /** 0 for none; a connection silent for three intervals is dropped. */
  readonly keepaliveMs: number;
}

/** How long `end()` waits for the server to close before cutting the socket. */
const CLOSE_GRACE_MS = 2_000;

/** An authenticated connection; `alive` turns false for good when it ends. */
export class Connection {
  alive = true;
  /** Why the connection ended, when a socket error said so. */
  problem: string | undefined;
  private readonly closed: Promise<void>;

  constructor(readonly client: Client) {
    this.closed = new Promise((resolve) => client.once('close', () => resolve()));
  }

  /** Why commands on this connection failed, for messages: "connection dropped (reset)". */
  dropped(): string {
    return `connection dropped${this.problem !== undefined ? ` (${this.problem})` : ''}`;
  }

  /** Says goodbye, and cuts the socket if the server does not close within the grace period. */
  async end(): Promise<void> {
    if (!this.alive) return;
    this.client.end();
    const timer = setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS);
    await this.closed;
    clearTimeout(timer);
  }
}

type Ssh2 = typeof Ssh2Library;

/**
 * The SSH library, loaded at the first connection: commands that never open one (every command
 * on the simulated cloud) do not pay its ~45 ms of loading at start-up.
 */
let ssh2Loading: Promise<Ssh2> | undefined;
const loadSsh2 = (): Promise<Ssh2> => (ssh2Loading ??= import('ssh2').then((m) => m.default));

/**
 * Connects and authenticates. The key and known_hosts are read anew each time, so a rotated key
 * or an updated known_hosts takes effect at the next connection. `onDrop` is called once when an
 * established connection ends, so the caller stops handing it out.
 * @throws EndpointFailure
 */
export async function connect(endpoint: Endpoint, onDrop: () => void): Promise<Connection> {
  const ssh2 = await loadSsh2();
  const { key, passphrase } = await readPrivateKey(ssh2, endpoint);
  const knownHosts = await readKnownHosts(endpoint);
  const name = knownHostName(endpoint.address, endpoint.port);
  let hostKeyProblem: string | undefined;
  const config: ConnectConfig = {
    host: endpoint.address,
    port: endpoint.port,
    username: endpoint.user,
    privateKey: key,
    passphrase,
    tryKeyboard: false,
    // Our own timer (in `handshake`) owns the connect timeout; ssh2's is only a backstop.
    readyTimeout: endpoint.connectTimeoutMs + 5_000,
    keepaliveInterval: endpoint.keepaliveMs,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: preferredAlgorithms(keysFor(knownHosts, name)) },
    hostVerifier: (offered: Buffer): boolean => {
      const verdict = checkHostKey(knownHosts, name, offered, endpoint.knownHostsPath);
      if (!verdict.trusted) hostKeyProblem = verdict.reason;
      return verdict.trusted;
    },
  };
  return handshake(ssh2, endpoint, config, () => hostKeyProblem, onDrop);
}

/** Starts the client and settles once: ready, failed, or out of time. */
function handshake(
  ssh2: Ssh2,
  endpoint: Endpoint,
  config: ConnectConfig,
  hostKeyProblem: () => string | undefined,
  onDrop: () => void,
): Promise<Connection> {
  return new Promise<Connection>((resolve, reject) => {
    const client = new ssh2.Client();
    const connection = new Connection(client);
    let settled = false;
    const fail = (failure: EndpointFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      connection.alive = false;
      client.destroy();
      reject(failure);
    };
    const timer = setTimeout(() => {
      const seconds = endpoint.connectTimeoutMs / 1000;
      fail(new EndpointFailure('timeout', `no SSH connection within ${seconds} s`));
    }, endpoint.connectTimeoutMs);
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(connection);
    });
    // An 'error' listener must stay for the client's whole life: an unhandled one would crash.
    client.on('error', (error: LibraryError) => {
      if (!settled) fail(classifyConnectError(error, endpoint, hostKeyProblem()));
      else connection.problem = socketProblem(error);
    });
    client.on('close', () => {
      fail(
        new EndpointFailure('transient', 'the server closed the connection during the handshake'),
      );
      if (!connection.alive) return;
      connection.alive = false;
      onDrop();
    });
    try {
      client.connect(config);
    } catch (error) {
      fail(new EndpointFailure('failed', `cannot start the SSH connection: ${String(error)}`));
    }
  });
}

/**
 * What a failed connection attempt means for the caller. The host key verdict comes first: ssh2
 * reports a refused key as a generic handshake error, and the reason is what the operator needs.
 */
function classifyConnectError(
  error: LibraryError,
  endpoint: Endpoint,
  hostKeyProblem: string | undefined,
): EndpointFailure {
  if (hostKeyProblem !== undefined)
    return new EndpointFailure('unauthorised', `host key verification failed: ${hostKeyProblem}`);
  if (error.level === 'client-authentication')
    return new EndpointFailure(
      'unauthorised',
      `authentication refused for user ${endpoint.user} with the key ${endpoint.privateKeyPath}`,
    );
  if (error.level === 'client-timeout')
    return new EndpointFailure(
      'timeout',
      `no SSH handshake within ${endpoint.connectTimeoutMs / 1000} s`,
    );
  const socket = socketFailure(error);
  if (socket) return new EndpointFailure(socket[0], socket[1]);
  if (error.level === 'handshake' || error.level === 'protocol')
    return new EndpointFailure('failed', `SSH handshake failed: ${error.message}`);
  return new EndpointFailure('transient', `connection failed: ${error.message}`);
}

/** The key file and its passphrase, checked before connecting so the message can say which. */
async function readPrivateKey(
  ssh2: Ssh2,
  endpoint: Endpoint,
): Promise<{ key: Buffer; passphrase: string | undefined }> {
  const path = endpoint.privateKeyPath;
  let key: Buffer;
  try {
    key = await readFile(path);
  } catch (error) {
    throw new EndpointFailure(
      'unauthorised',
      `cannot read the private key ${path}: ${ioReason(error)}`,
    );
  }
  let passphrase: string | undefined;
  if (endpoint.passphraseEnv !== undefined) {
    passphrase = process.env[endpoint.passphraseEnv];
    if (passphrase === undefined)
      throw new EndpointFailure(
        'unauthorised',
        `the passphrase variable ${endpoint.passphraseEnv} for the key ${path} is not set`,
      );
  }
  const parsed = ssh2.utils.parseKey(key, passphrase);
  if (parsed instanceof Error)
    throw new EndpointFailure(
      'unauthorised',
      `cannot use the private key ${path}: ${parsed.message}`,
    );
  return { key, passphrase };
}

/** The known_hosts entries; a file we cannot read trusts nobody. */
async function readKnownHosts(endpoint: Endpoint): Promise<KnownHostsEntry[]> {
  const path = endpoint.knownHostsPath;
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (error) {
    throw new EndpointFailure(
      'unauthorised',
      `cannot read the known_hosts file ${path}, so the host key cannot be checked: ` +
        ioReason(error),
    );
  }
}
