/**
 * drivers/openstack: the `openstack` driver over Keystone, Nova and Placement, with host actions
 * over SSH.
 *
 *   const target = await loadTarget('cloud.yaml');          // an OpenStackTarget document
 *   const driver = openOpenStack(target);                    // secrets from the environment
 *   await driver.discover();  …  await driver.close();
 */
import { loadDocumentFile } from '../../campaign/files.js';
import { EscalatorError } from '../../model/index.js';
import { SshExecutor } from '../ssh/executor.js';
import { OpenStackDriver } from './driver.js';
import { KeystoneSession } from './keystone.js';
import { resolveCredentials, targetFromDocument, type OpenStackTarget } from './target.js';

export { OpenStackDriver, type OpenStackDriverOptions } from './driver.js';
export { KeystoneSession, type Credentials, type SessionOptions } from './keystone.js';
export {
  targetFromText,
  targetFromDocument,
  compileTarget,
  OpenStackTargetSchema,
  type OpenStackTarget,
} from './target.js';
export { inventoryFrom, type CloudSnapshot } from './discover.js';

/** @throws EscalatorError (ESC_FILE_UNREADABLE) or DocumentError (ESC_DOCUMENT_INVALID). */
export async function loadTarget(path: string): Promise<OpenStackTarget> {
  return targetFromDocument(await loadDocumentFile(path));
}

/**
 * The driver for a target: a Keystone session with the target's credentials (secrets from the
 * environment when the document names a variable), and an SSH executor when it has SSH settings.
 * @throws EscalatorError ESC_USAGE when a secret's environment variable is not set.
 */
export function openOpenStack(
  target: OpenStackTarget,
  env: NodeJS.ProcessEnv = process.env,
): OpenStackDriver {
  let credentials;
  try {
    credentials = resolveCredentials(target.credentials, env);
  } catch (error) {
    throw new EscalatorError(
      'ESC_USAGE',
      `target ${target.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const session = new KeystoneSession({
    authUrl: target.authUrl,
    credentials,
    ...(target.region === undefined ? {} : { region: target.region }),
    interface: target.interface,
    timeoutMs: target.requestTimeoutSeconds * 1000,
  });
  const ssh = target.ssh;
  const executor =
    ssh === undefined
      ? undefined
      : new SshExecutor({
          hosts: (host) => ({
            address: ssh.address ?? ssh.addresses[host] ?? host,
            port: ssh.port,
            user: ssh.user,
            privateKeyPath: ssh.privateKey,
            knownHostsPath: ssh.knownHosts,
            connectTimeoutSeconds: ssh.connectTimeoutSeconds,
            ...(ssh.passphraseEnv === undefined ? {} : { passphraseEnv: ssh.passphraseEnv }),
          }),
        });
  return new OpenStackDriver({ target, session, ...(executor ? { executor } : {}) });
}
