import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import type { LeadershipTerm } from '../../lib/index.js';
import { CommandSupervisor } from '../../lib/cli/command-supervisor.js';
import { killGroup, markedChild, markers, node, until } from './support/run-process.js';

const term = (number: number): LeadershipTerm => ({ identity: 'pod-1', term: number, acquiredAt: null });

describe('rx-k8s-leader: the command supervisor (local processes, fake terms)', function () {
  this.timeout(20_000);
  let directory: string;
  let file: string;
  let lines: { at: number; message: string }[];
  let supervisor: CommandSupervisor | undefined;
  let leads: boolean;

  const supervise = (mode: string, killAfter = 2_000) => {
    supervisor = new CommandSupervisor({
      command: node, args: [markedChild, file, mode], environment: { PATH: process.env.PATH }, lease: 'prod/reports',
      stopSignal: 'SIGTERM', killAfter, leads: () => leads,
      log: { state: (message) => lines.push({ at: Date.now(), message }), warn: (message) => lines.push({ at: Date.now(), message }) },
    });
    return supervisor;
  };
  const starts = () => markers(file).filter(({ event }) => event === 'start');
  const logged = (pattern: RegExp) => lines.find(({ message }) => pattern.test(message));

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-cli-'));
    file = join(directory, 'markers');
    lines = [];
    leads = true;
    supervisor = undefined;
  });
  afterEach(async () => {
    await supervisor?.close('SIGKILL');
    for (const { pid } of markers(file)) killGroup(pid);
    rmSync(directory, { recursive: true, force: true });
  });

  it('starts the command in a term with the three variables, and stops it with the stop signal when the term ends', async () => {
    const commands = supervise('serve');
    commands.follow(term(3));
    await until(() => starts().length === 1, 5_000, 'no start');
    expect(starts()[0]).to.include({ identity: 'pod-1', term: '3', lease: 'prod/reports' });
    commands.follow(term(3));
    commands.follow(null);
    await until(() => markers(file).some(({ event }) => event === 'exit'), 5_000, 'not stopped');
    expect(markers(file).map(({ event }) => event)).to.deep.equal(['start', 'SIGTERM', 'exit']);
    await until(() => !commands.running, 1_000, 'still running');
  });

  it('a command that ends by itself is told, and not started again in the same term; the next term starts it again', async () => {
    const commands = supervise('exit:5');
    const ended = firstValueFrom(commands.ended$);
    commands.follow(term(1));
    expect(await ended).to.deep.include({ term: term(1), exit: { code: 5, signal: null } });
    commands.follow(term(1));
    commands.follow(null);
    commands.follow(term(2));
    await until(() => starts().length === 2, 5_000, 'not started in term 2');
    expect(starts().map((start) => start.term)).to.deep.equal(['1', '2']);
  });

  it('the next term\'s command starts only once the last one is dead (SIGKILLed after kill-after)', async () => {
    const commands = supervise('ignore-term', 300);
    commands.follow(term(1));
    await until(() => starts().length === 1, 5_000, 'no start');
    commands.follow(null);
    commands.follow(term(2));
    await until(() => starts().length === 2, 5_000, 'not started in term 2');
    const gone = logged(/the command \(pid \d+\) is gone: killed by SIGKILL/);
    const ignored = markers(file).find(({ event }) => event === 'ignored SIGTERM')!;
    expect(gone, 'the first one was killed').to.not.equal(undefined);
    expect(gone!.at - ignored.at, 'ms from SIGTERM to its death').to.be.within(290, 700);
    expect(starts()[1]!.at, 'the second started after the first died').to.be.at.least(gone!.at);
  });

  it('starts nothing when the election says it does not lead at this instant', async () => {
    const commands = supervise('serve');
    leads = false;
    commands.follow(term(1));
    expect(commands.running).to.equal(false);
    expect(await commands.close('SIGTERM')).to.equal(undefined);
  });

  it('close stops the command with the signal given, resolves with its exit, and starts nothing after', async () => {
    const commands = supervise('ignore-term', 200);
    commands.follow(term(1));
    await until(() => starts().length === 1, 5_000, 'no start');
    expect(await commands.close('SIGINT')).to.deep.equal({ code: null, signal: 'SIGINT' });
    commands.follow(term(2));
    expect(commands.running).to.equal(false);
  });

  it('forwards a signal to the command while it runs', async () => {
    const commands = supervise('serve');
    const ended = firstValueFrom(commands.ended$);
    commands.follow(term(1));
    await until(() => starts().length === 1, 5_000, 'no start');
    commands.forward('SIGHUP');
    expect((await ended).exit).to.deep.equal({ code: null, signal: 'SIGHUP' });
  });
});
