import { describe, expect, it } from 'vitest';
import { formatProblems, isDocumentError } from '../../campaign/index.js';
import { fillCommand, resolveCredentials, targetFromText } from './target.js';

const GOOD = `apiVersion: escalator.dev/v1alpha1
kind: OpenStackTarget
metadata: {name: lab}
spec:
  auth:
    url: http://127.0.0.1:5000/v3
    password: {username: admin, project: admin, passwordEnv: LAB_PASSWORD}
  region: RegionOne
  hosts:
    ssh: {user: root, privateKey: /k, knownHosts: /kh}
    commands:
      install: [/bin/host.sh, "{host}", install, "{component}", "{version}"]
`;

function problemsOf(text: string): string {
  try {
    targetFromText(text, 'target.yaml');
  } catch (error) {
    if (isDocumentError(error)) return formatProblems(error.problems);
    throw error;
  }
  throw new Error('no problem found');
}

describe('an OpenStackTarget document', () => {
  it('compiles with defaults: public interface, 30 s requests, site from the region, port 22', () => {
    const t = targetFromText(GOOD, 'target.yaml');
    expect(t).toMatchObject({
      name: 'lab',
      interface: 'public',
      requestTimeoutSeconds: 30,
      site: 'RegionOne',
      credentials: { kind: 'password', userDomain: 'Default', projectDomain: 'Default' },
      ssh: { port: 22, addresses: {} },
    });
  });

  it('reports every problem with file, line and field', () => {
    const text = GOOD.replace('url: http://127.0.0.1:5000/v3', 'url: 127.0.0.1:5000')
      .replace('region: RegionOne', 'region: RegionOne\n  colour: blue')
      .replace('"{version}"]', '"{versoin}"]');
    const problems = problemsOf(text);
    expect(problems).toMatch(/target\.yaml:6:\d+ spec\.auth\.url: expected .*URL/);
    expect(problems).toMatch(/target\.yaml:9:\d+ spec\.colour: unknown field "colour"/);
    expect(problems.split('\n').length).toBeGreaterThanOrEqual(2);
    const semantic = problemsOf(GOOD.replace('"{version}"]', '"{versoin}"]'));
    expect(semantic).toMatch(
      /spec\.hosts\.commands\.install\[4\]: .*unknown placeholder \{versoin\}/,
    );
    const both = problemsOf(
      GOOD.replace(
        'passwordEnv: LAB_PASSWORD}',
        'passwordEnv: LAB_PASSWORD}\n    applicationCredential: {id: x, secret: y}',
      ),
    );
    expect(both).toMatch(/spec\.auth: .*exactly one of password and applicationCredential/);
  });

  it('reads secrets from the environment variable it names, and says which is missing', () => {
    const t = targetFromText(GOOD, 'target.yaml');
    expect(resolveCredentials(t.credentials, { LAB_PASSWORD: 's3cret' })).toMatchObject({
      password: 's3cret',
    });
    expect(() => resolveCredentials(t.credentials, {})).toThrow(
      'the password is read from the environment variable LAB_PASSWORD, which is not set',
    );
  });

  it('fills command templates argument by argument, never through a shell', () => {
    expect(
      fillCommand(['/bin/host.sh', '{host}', 'exec', '{command}'], {
        host: 'compute-1',
        command: 'echo $(id); rm -rf /',
      }),
    ).toEqual(['/bin/host.sh', 'compute-1', 'exec', 'echo $(id); rm -rf /']);
  });
});
