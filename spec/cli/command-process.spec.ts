import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CommandProcess, type CommandLog } from '../../lib/cli/command-process.js';
import { exitCodeOf } from '../../lib/cli/exit-status.js';
import { alive, killGroup, markedChild, markers, node, until } from './support/run-process.js';

describe('rx-k8s-leader: the command in its own process group (local processes, no cluster)', function () {
  this.timeout(20_000);
  let directory: string;
  let started: CommandProcess[];
  let lines: string[];
  const log: CommandLog = { state: (message) => lines.push(message), warn: (message) => lines.push(`warn: ${message}`) };
  const start = (command: string, ...args: string[]) => {
    const process = new CommandProcess(command, args, { PATH: globalThis.process.env.PATH }, log);
    started.push(process);
    return process;
  };
  const pidsIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-cli-'));
    started = [];
    lines = [];
  });
  afterEach(() => {
    for (const process of started) if (process.pid !== undefined) killGroup(process.pid);
    rmSync(directory, { recursive: true, force: true });
  });

  it('an exit code passes through; death by a signal is 128 + its number', async () => {
    expect(exitCodeOf(await start('sh', '-c', 'exit 7').exited)).to.equal(7);
    const killed = await start('sh', '-c', 'kill -USR1 $$').exited;
    expect(killed).to.deep.equal({ code: null, signal: 'SIGUSR1' });
    expect(exitCodeOf(killed)).to.equal(138);
  });

  it('a command that cannot be started ends with 127 (not found), as in a shell', async () => {
    const process = start(join(directory, 'missing'));
    expect(process.pid).to.equal(undefined);
    expect(await process.exited).to.deep.equal({ code: 127, signal: null, spawnError: 'ENOENT' });
  });

  it('stop: the signal, and a command that exits on it is not killed', async () => {
    const file = join(directory, 'markers');
    const process = start(node, markedChild, file, 'serve', '100');
    await until(() => markers(file).length > 0, 5_000, 'the child did not start');
    const asked = performance.now();
    const exit = await process.stop('SIGTERM', 3_000);
    const took = performance.now() - asked;
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(markers(file).map(({ event }) => event)).to.deep.equal(['start', 'SIGTERM', 'exit']);
    expect(took, 'ms: its 100 ms of cleanup, no kill-after').to.be.within(95, 1_500);
  });

  it('stop: SIGKILL after kill-after for a command that ignores the signal; settles once it is dead', async () => {
    const file = join(directory, 'markers');
    const process = start(node, markedChild, file, 'ignore-term');
    await until(() => markers(file).length > 0, 5_000, 'the child did not start');
    const asked = performance.now();
    const exit = await process.stop('SIGTERM', 300);
    const took = performance.now() - asked;
    expect(exit).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(alive(process.pid!)).to.equal(false);
    expect(markers(file).map(({ event }) => event)).to.deep.equal(['start', 'ignored SIGTERM']);
    expect(took, 'ms from the stop to its death: kill-after, then at once').to.be.within(300, 600);
    expect(lines.some((line) => /still alive 300ms after SIGTERM: sending SIGKILL/.test(line))).to.equal(true);
  });

  it('stop reaches the whole group: what a shell started dies with it', async () => {
    const file = join(directory, 'pids');
    const process = start('sh', '-c', `sleep 1000 & echo $! >> ${file}; sleep 1000 & echo $! >> ${file}; wait`);
    await until(() => { try { return pidsIn(file).length === 2; } catch { return false; } }, 5_000, 'the shell did not start its two sleeps');
    const exit = await process.stop('SIGTERM', 2_000);
    expect(exit.signal).to.equal('SIGTERM');
    for (const pid of pidsIn(file)) expect(alive(pid), `sleep ${pid}`).to.equal(false);
  });

  it('a command that exited by itself and left a process behind in its group: stop ends that one too, SIGKILL for one that ignores SIGTERM', async () => {
    const file = join(directory, 'pids');
    const process = start('sh', '-c', `sh -c 'trap "" TERM; echo $$ > ${file}; exec sleep 1000' & exit 3`);
    expect(await process.exited).to.deep.equal({ code: 3, signal: null });
    await until(() => { try { return pidsIn(file).length === 1; } catch { return false; } }, 5_000, 'the left-behind process did not start');
    const [left] = pidsIn(file);
    expect(alive(left!), 'the sleep outlives the shell').to.equal(true);
    const asked = performance.now();
    expect(await process.stop('SIGTERM', 300)).to.deep.equal({ code: 3, signal: null });
    expect(performance.now() - asked, 'ms: kill-after for what was left').to.be.within(300, 700);
    expect(alive(left!)).to.equal(false);
  });
});
