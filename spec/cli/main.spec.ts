import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { configKeys } from '../../lib/cli/config-keys.js';
import { CliProcess, cleanEnvironment, root } from './support/run-process.js';

/** Runs the CLI from source to its end (they all end at once here: nothing reaches a cluster). */
async function cli(args: string[], environment?: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const process = new CliProcess(args, environment);
  try {
    const { code } = await process.exited;
    return { code, stdout: process.stdout, stderr: process.stderr };
  } finally {
    await process.kill();
  }
}

describe('rx-k8s-leader as a process: help, version, usage errors (no cluster)', function () {
  this.timeout(30_000);

  it('--help, run --help and --version print on stdout and exit 0', async () => {
    const [program, run, version] = await Promise.all([cli(['--help']), cli(['run', '--help']), cli(['--version'])]);
    expect(program).to.deep.include({ code: 0, stderr: '' });
    expect(program.stdout).to.include('rx-k8s-leader run [options] [--] <command> [args…]');
    expect(run).to.deep.include({ code: 0, stderr: '' });
    for (const flag of [...configKeys.map((spec) => spec.flag), '--config', '--extension', '--signal', '--kill-after', '--allow-overlap', '--restart', '--http', '--verbose']) {
      expect(run.stdout, flag).to.include(flag);
    }
    const { version: expected } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version).to.deep.equal({ code: 0, stdout: `${expected}\n`, stderr: '' });
  });

  it('usage and configuration errors exit 2 with the flag or variable named, nothing on stdout, nothing contended', async () => {
    const [unknown, invalid, credentials] = await Promise.all([
      cli(['run', '--lease-nme', 'x', '--', 'true']),
      cli(['run', '--lease-namespace', 'prod', '--', 'true'], cleanEnvironment({ RX_K8S_LEADER_LEASE_NAME: 'Bad_Name' })),
      cli(['run', '--lease-name', 'x', '--lease-namespace', 'prod', '--auth-type', 'kubeConfig', '--kubeconfig', '/nonexistent/kubeconfig', '--', 'true']),
    ]);
    expect(unknown).to.deep.equal({ code: 2, stdout: '', stderr: 'rx-k8s-leader: unknown flag --lease-nme; did you mean --lease-name?\nRun \'rx-k8s-leader run --help\' for usage.\n' });
    expect(invalid).to.deep.include({ code: 2, stdout: '' });
    expect(invalid.stderr).to.match(/^ {2}RX_K8S_LEADER_LEASE_NAME: must be a DNS-1123 subdomain.* \(got "Bad_Name"\)$/m);
    expect(credentials).to.deep.include({ code: 2, stdout: '' });
    expect(credentials.stderr).to.match(/^ {2}--kubeconfig: kubeConfig needs a kubeconfig file, and \/nonexistent\/kubeconfig does not exist/m);
  });

  it('an --http address that is taken exits 2 before contending', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-cli-'));
    try {
      const kubeconfig = join(directory, 'kubeconfig');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]\n'
        + 'users: [{ name: u, user: { token: t } }]\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\ncurrent-context: x\n');
      const { port } = taken.address() as AddressInfo;
      const refused = await cli(['run', '--lease-name', 'x', '--lease-namespace', 'prod', '--auth-type', 'kubeConfig', '--kubeconfig', kubeconfig, '--http', String(port), '--', 'true']);
      expect(refused).to.deep.include({ code: 2, stdout: '' });
      expect(refused.stderr).to.include(`rx-k8s-leader: --http: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      taken.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('status --help prints its flags and the expiry rule; a status usage error exits 2 pointing to status --help', async () => {
    const [program, help, output, missing] = await Promise.all([
      cli(['--help']),
      cli(['status', '--help']),
      cli(['status', '--lease-namespace', 'prod', '--output', 'yaml']),
      cli(['status'], cleanEnvironment()),
    ]);
    expect(program.stdout).to.include('rx-k8s-leader status --lease-namespace NAMESPACE');
    expect(help).to.deep.include({ code: 0, stderr: '' });
    for (const flag of ['--lease-namespace', '--lease-name', '--auth-type', '--kubeconfig', '--context', '--config', '--extension', '--watch', '--output', 'unknown (observed once)', 'monotonic']) {
      expect(help.stdout, flag).to.include(flag);
    }
    expect(output).to.deep.equal({ code: 2, stdout: '', stderr: 'rx-k8s-leader: --output yaml: must be table or json\nRun \'rx-k8s-leader status --help\' for usage.\n' });
    expect(missing).to.deep.include({ code: 2, stdout: '' });
    expect(missing.stderr).to.include('  --lease-namespace (or RX_K8S_LEADER_LEASE_NAMESPACE): is required (got nothing)');
  });

  it('a command that cannot be found exits 127 before contending', async () => {
    const missing = await cli(['run', '--lease-name', 'x', '--lease-namespace', 'prod', '--', 'no-such-command-anywhere']);
    expect(missing).to.deep.equal({ code: 127, stdout: '', stderr: 'rx-k8s-leader: cannot run the command: no-such-command-anywhere: command not found on PATH\n' });
  });
});
