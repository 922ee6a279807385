import { spawn, type ChildProcess } from 'node:child_process';
import { formatDuration } from '../index.js';
import type { ExitStatus } from './exit-status.js';
import { groupAlive, signalGroup } from './process-group.js';

/** How a started command ended; a command that could not be started ends with 127 or 126, as in a shell. */
export interface CommandExit extends ExitStatus {
  /** Why it could not be started (`ENOENT`, say), when it could not. */
  readonly spawnError?: string;
}

/** What a command process says about itself (a verbose line, a warning). */
export interface CommandLog {
  state(message: string): void;
  warn(message: string): void;
}

/** After SIGKILL, how long to wait for the group to empty before saying it did not. */
const afterKill = 2_000;
const pollEvery = 10;

/**
 * The command, run in a process group of its own (its pid is the group's id) with stdio
 * inherited, so that stopping it reaches whatever it started too (`sh -c 'a | b'`, a script's
 * background jobs), and a terminal's Ctrl-C reaches it only through this process.
 */
export class CommandProcess {
  /** The command's pid, which is its group's id; undefined when it could not be started. */
  readonly pid: number | undefined;
  /** Settles when the command itself has exited (members of its group may live on). */
  readonly exited: Promise<CommandExit>;
  readonly #log: CommandLog;
  #hasExited = false;
  #stopping: Promise<CommandExit> | undefined;

  constructor(command: string, args: readonly string[], environment: NodeJS.ProcessEnv, log: CommandLog) {
    this.#log = log;
    const child: ChildProcess = spawn(command, args, { stdio: 'inherit', env: environment, detached: true });
    this.pid = child.pid;
    this.exited = new Promise<CommandExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error: NodeJS.ErrnoException) => {
        // An error after a successful spawn (a failed kill) is not the end of the command.
        if (this.pid === undefined) resolve({ code: error.code === 'ENOENT' ? 127 : 126, signal: null, spawnError: error.code ?? error.message });
      });
    }).finally(() => { this.#hasExited = true; });
  }

  /** True until the command itself has exited. */
  get running(): boolean {
    return this.pid !== undefined && !this.#hasExited;
  }

  /** Sends `signal` to the command's group (a forwarded SIGHUP, say); nothing once the group is gone. */
  signal(signal: NodeJS.Signals): void {
    if (this.pid !== undefined) signalGroup(this.pid, signal);
  }

  /**
   * Stops the command and its group: `signal`, then SIGKILL to the group if anything of it is
   * still alive `killAfter` ms later. Settles with the command's exit once it has exited and no
   * member of its group is left alive. Called again, it returns the same promise; called after
   * the command exited by itself, it stops what the command left running in its group.
   */
  stop(signal: NodeJS.Signals, killAfter: number): Promise<CommandExit> {
    this.#stopping ??= this.#stop(signal, killAfter);
    return this.#stopping;
  }

  async #stop(signal: NodeJS.Signals, killAfter: number): Promise<CommandExit> {
    const group = this.pid;
    if (group === undefined || !groupAlive(group)) return this.exited;
    signalGroup(group, signal);
    let killedAt: number | undefined;
    const killer = setTimeout(() => {
      killedAt = performance.now();
      this.#log.state(`command (pid ${group}) still alive ${formatDuration(killAfter)} after ${signal}: sending SIGKILL to its process group`);
      signalGroup(group, 'SIGKILL');
    }, killAfter);
    try {
      const exit = await this.exited;
      if (groupAlive(group)) this.#log.state(`command (pid ${group}) exited; waiting for what it left running in its process group`);
      while (groupAlive(group)) {
        if (killedAt !== undefined && performance.now() - killedAt > afterKill) {
          this.#log.warn(`processes of group ${group} are still alive ${formatDuration(afterKill)} after SIGKILL (in uninterruptible sleep, or in another group's hands)`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, pollEvery));
      }
      return exit;
    } finally {
      clearTimeout(killer);
    }
  }
}
