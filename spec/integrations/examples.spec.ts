// Every example under examples/ typechecks, and runs with the one command its header documents,
// as a child process: it must say what the example promises and exit by itself with 0, nothing on stderr.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const tsc = require.resolve('typescript/bin/tsc');
const exitWithin = 20_000;

interface Outcome {
  readonly code: number | null;
  readonly signal: string | null;
  readonly lines: string[];
  readonly stderr: string;
}

function run(args: readonly string[], limit = exitWithin): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // As `npx tsx ...` from the repository root, on this project's Node.
    // Without LEASE_NAMESPACE: every example uses its in-memory Lease.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'LEASE_NAMESPACE' && key !== 'NODE_OPTIONS'));
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const killer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, lines: stdout.trim().split('\n'), stderr });
    });
  });
}

async function example(name: string): Promise<string[]> {
  const file = `examples/${name}/main.ts`;
  const header = readFileSync(join(root, file), 'utf8');
  expect(header, 'the header documents the command').to.include(`npx tsx --tsconfig examples/tsconfig.json ${file}`);
  const outcome = await run([tsx, '--tsconfig', 'examples/tsconfig.json', file]);
  expect({ code: outcome.code, signal: outcome.signal }, `${file} exits by itself within ${exitWithin} ms\n${outcome.lines.join('\n')}\n${outcome.stderr}`).to.deep.equal({ code: 0, signal: null });
  expect(outcome.stderr, `${file} stderr`).to.equal('');
  return outcome.lines;
}

/** Index of the first line matching, -1 if none. */
const first = (lines: string[], pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
const last = (lines: string[], pattern: RegExp) => lines.findLastIndex((line) => pattern.test(line));

describe('examples/', function () {
  this.timeout(120_000);
  it('typecheck (examples/tsconfig.json: the package names map to lib/, NestJS decorators on)', async () => {
    const outcome = await run([tsc, '-p', 'examples/tsconfig.json']);
    expect(outcome.lines.join('\n')).to.equal('');
    expect(outcome.code).to.equal(0);
  });

  it('the demo (npm run demo): two graceful hand-overs within milliseconds, a crash failover after the lease expired, the Lease left free, exits by itself', async function () {
    this.timeout(60_000);
    const outcome = await run([tsx, 'demo/demo.ts'], 45_000);
    expect({ code: outcome.code, signal: outcome.signal }, outcome.lines.join('\n') + outcome.stderr).to.deep.equal({ code: 0, signal: null });
    expect(outcome.stderr).to.equal('');
    const handovers = outcome.lines.map((line) => /graceful handover to replica-\w took ([\d.]+) ms/.exec(line)?.[1]).filter((taken) => taken !== undefined).map(Number);
    expect(handovers, 'two graceful hand-overs').to.have.length(2);
    for (const taken of handovers) expect(taken, 'a graceful hand-over, ms').to.be.within(0, 500);
    const failover = Number(/crash failover to replica-\w took ([\d.]+) s/.exec(outcome.lines.join('\n'))?.[1]);
    expect(failover, 'the crash failover waited for the lease to expire (lease_duration 6 s, less what had passed since the last renewal)').to.be.within(4, 7);
    expect(outcome.lines.slice(-2).map((line) => line.replace(/^\s*[\d.]+ s /, ''))).to.deep.equal([
      'the Lease is now free: the last leader released it',
      'all replicas stopped; the process now exits by itself (no timers, sockets or watches left)',
    ]);
  });

  it('worker: leads, polls three times, on SIGTERM stops polling and releases the lease, exits', async () => {
    expect(await example('worker')).to.deep.equal([
      'standing by', 'leading', 'poll 1', 'poll 2', 'poll 3', 'SIGTERM: the poller stops, then the lease is released', 'holder of the lease now: ""',
    ]);
  });

  it('nestjs: replica-a leads and its @LeaderOnly() job polls, replica-b stands by; both report up; app.close() hands over; exits', async () => {
    const lines = await example('nestjs');
    expect(lines.slice(0, 3)).to.deep.equal(['[replica-a] standing by', '[replica-a] leading', '[replica-b] standing by']);
    const aDown = lines.indexOf('[replica-a] shutting down');
    const bLeads = lines.indexOf('[replica-b] leading');
    expect(first(lines, /^\[replica-a\] poll/)).to.be.within(3, aDown);
    expect(last(lines, /^\[replica-a\] poll/), 'a polls only before it shuts down').to.be.below(aDown);
    expect(first(lines, /^\[replica-b\] poll/), 'b polls only once it leads').to.be.above(bLeads);
    expect(bLeads).to.be.above(aDown);
    expect(lines).to.include('[replica-b] health {"leaderElection":{"status":"up","leading":false}}');
    expect(lines.find((line) => line.startsWith('[replica-a] health'))).to.match(/^\[replica-a\] health \{"leaderElection":\{"status":"up","leading":true,"sinceRenewal":\d+\}\}$/);
    expect(lines.slice(-3)).to.deep.equal(['[replica-b] shutting down', '[replica-b] standing by', 'holder of the lease now: ""']);
  });

  it('angular: the first injector leads and polls; destroying it hands over to the second; destroying that releases the lease; exits', async () => {
    const lines = await example('angular');
    expect(lines.slice(0, 2)).to.deep.equal(['[replica-a] standing by', '[replica-a] leading']);
    const aDestroyed = lines.indexOf('[replica-a] injector destroyed');
    expect(lines.slice(0, aDestroyed).filter((line) => /^\[replica-a\] poll/.test(line))).to.deep.equal(['[replica-a] poll 1', '[replica-a] poll 2', '[replica-a] poll 3']);
    expect(lines.indexOf('[replica-b] standing by'), 'b stands by while a leads').to.be.within(2, aDestroyed);
    expect(first(lines, /^\[replica-b\] poll/)).to.be.above(lines.indexOf('[replica-b] leading'));
    expect(lines.indexOf('[replica-b] leading')).to.be.above(aDestroyed);
    expect(last(lines, /^\[replica-a\] poll/)).to.be.below(aDestroyed);
    expect(lines.slice(-3)).to.deep.equal(['[replica-b] injector destroyed', '[replica-b] standing by', 'holder of the lease now: ""']);
  });
});
