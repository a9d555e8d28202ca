/**
 * A throwaway OpenSSH server for tests: the machine's `sshd` (Debian package `openssh-server`)
 * with a config, host key, client key pair, authorized_keys and known_hosts of its own in a temp
 * folder, listening on a free 127.0.0.1 port in the foreground (`-D -e`) as our child process.
 *
 * It stops only what it started: the sshd PID it spawned and that PID's descendants (the
 * per-connection sshd processes and the commands they run), found through /proc parent links.
 * Killing those too is what a crash or reboot of a host does to its connections; an sshd
 * stopped alone leaves established connections open, and a restart would then prove nothing.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD_MISSING =
  'OpenSSH server not found (/usr/sbin/sshd): install it with ' +
  '`apt-get update && apt-get install -y openssh-server`';

/** The sshd binary: /usr/sbin/sshd, else one on PATH (sshd must be run by its absolute path). */
export function findSshd(): string | undefined {
  const folders = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':')];
  for (const folder of folders) {
    if (!folder.startsWith('/')) continue;
    const path = join(folder, 'sshd');
    if (existsSync(path)) return path;
  }
  return undefined;
}

export interface KeyPair {
  readonly privateKeyPath: string;
  /** The `.pub` line: `ssh-ed25519 AAAA… comment`. */
  readonly publicKey: string;
}

export interface SshdFixture {
  readonly address: '127.0.0.1';
  readonly port: number;
  /** The user the client logs in as: ourselves. */
  readonly user: string;
  readonly folder: string;
  /** The client key listed in authorized_keys. */
  readonly client: KeyPair;
  /** A known_hosts file holding the server's host key under `[127.0.0.1]:port`. */
  readonly knownHostsPath: string;
  /** The server's host key. */
  readonly hostKey: KeyPair;
  /** The running sshd's PID, or undefined while stopped. */
  readonly pid: number | undefined;
  /** A new ed25519 key pair in the folder (not authorised anywhere), optionally encrypted. */
  newKeyPair(name: string, passphrase?: string): Promise<KeyPair>;
  /** Adds a public key to authorized_keys (sshd reads the file at each login). */
  authorize(key: KeyPair): Promise<void>;
  /** What sshd logged (its stderr), for failure messages. */
  log(): string;
  /** Starts sshd again on the same port after `stop`. */
  start(): Promise<void>;
  /** Stops sshd and every process it started (connections and their commands). */
  stop(): Promise<void>;
  /** Stops and removes the folder. */
  dispose(): Promise<void>;
}

/** Starts a new server; throws with sshd's log when it cannot. */
export async function startSshd(): Promise<SshdFixture> {
  const sshd = findSshd();
  if (!sshd) throw new Error(SSHD_MISSING);
  const asRoot = process.getuid?.() === 0;
  // As root sshd needs its privilege separation directory, which the package normally creates.
  if (asRoot && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const folder = await mkdtemp(join(tmpdir(), 'escalator-sshd-'));
  try {
    return await prepare(sshd, folder, asRoot);
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}

async function prepare(sshd: string, folder: string, asRoot: boolean): Promise<SshdFixture> {
  const newKeyPair = async (name: string, passphrase = ''): Promise<KeyPair> => {
    const privateKeyPath = join(folder, name);
    const args = ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', privateKeyPath];
    await run('ssh-keygen', args);
    const publicKey = (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim();
    return { privateKeyPath, publicKey };
  };
  const hostKey = await newKeyPair('host_ed25519');
  const client = await newKeyPair('client_ed25519');
  const authorizedKeys = join(folder, 'authorized_keys');
  await writeFile(authorizedKeys, `${client.publicKey}\n`, { mode: 0o600 });
  const user = userInfo().username;
  const configPath = join(folder, 'sshd_config');
  const knownHostsPath = join(folder, 'known_hosts');
  const server = new SshdProcess(sshd, configPath);

  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    await writeFile(configPath, sshdConfig({ folder, port, hostKey, authorizedKeys, asRoot }));
    try {
      await server.start(port);
      break;
    } catch (error) {
      // Another process may have taken the port between our probe and sshd's bind.
      if (attempt >= 3 || !/Address already in use/.test(server.log())) throw error;
    }
  }
  const keyFields = hostKey.publicKey.split(' ').slice(0, 2).join(' ');
  await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${keyFields}\n`);

  return {
    address: '127.0.0.1',
    port,
    user,
    folder,
    client,
    knownHostsPath,
    hostKey,
    get pid() {
      return server.pid;
    },
    newKeyPair,
    authorize: (key) => appendFile(authorizedKeys, `${key.publicKey}\n`),
    log: () => server.log(),
    start: () => server.start(port),
    stop: () => server.stop(),
    async dispose() {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

interface ConfigInput {
  readonly folder: string;
  readonly port: number;
  readonly hostKey: KeyPair;
  readonly authorizedKeys: string;
  readonly asRoot: boolean;
}

/** A config that reads nothing outside the folder (no Include of /etc/ssh), keys only. */
function sshdConfig(input: ConfigInput): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${input.port}`,
    `HostKey ${input.hostKey.privateKeyPath}`,
    `PidFile ${join(input.folder, 'sshd.pid')}`,
    `AuthorizedKeysFile ${input.authorizedKeys}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    input.asRoot ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    // Bash sources ~/.bashrc for commands run over SSH unless it thinks it is nested; a
    // developer's rc file (pyenv, conda) would make every session slow and serialise them
    // on its locks. The tests are about the executor, not about this machine's dotfiles.
    'SetEnv SHLVL=2',
    '',
  ].join('\n');
}

/** A free TCP port on 127.0.0.1 (free when asked: the start retries if it was taken). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves true once something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const LOG_LIMIT = 256 * 1024;

/** The one sshd child process, started and stopped by PID. */
class SshdProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private readonly killOnExit = (): void => {
    if (this.child?.pid !== undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
  };

  constructor(
    private readonly sshd: string,
    private readonly configPath: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  log(): string {
    return this.output;
  }

  /** Spawns `sshd -D -e -f config` and waits until its port accepts connections. */
  async start(port: number): Promise<void> {
    if (this.pid !== undefined) return;
    const child = spawn(this.sshd, ['-D', '-e', '-f', this.configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-LOG_LIMIT);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    process.once('exit', this.killOnExit);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (spawnError) throw new Error(`cannot start ${this.sshd}: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${this.sshd} exited at start:\n${this.output}`);
      if (await accepts(port)) return;
      await sleep(50);
    }
    await this.stop();
    throw new Error(
      `${this.sshd} did not listen on 127.0.0.1:${port} within 15 s:\n${this.output}`,
    );
  }

  /** Kills our sshd and its descendants (listed before anything dies), and waits for its exit. */
  async stop(): Promise<void> {
    const child = this.child;
    const pid = this.pid;
    process.removeListener('exit', this.killOnExit);
    if (child === undefined || pid === undefined) return;
    const descendants = descendantsOf(pid);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    for (const descendant of descendants) {
      try {
        process.kill(descendant, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Every process below `root` in the process tree, from /proc (Linux). */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The parent PID from /proc/<pid>/stat (after the command name, which may hold spaces). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}
