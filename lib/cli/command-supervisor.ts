import { Subject, type Observable } from 'rxjs';
import { CommandProcess, type CommandExit, type CommandLog } from './command-process.js';
import { formatDuration, type LeadershipTerm } from '../index.js';
import { describeExit } from './exit-status.js';

/** The command ended by itself during a term (not because the term ended or `run` is stopping). */
export interface CommandEnded {
  readonly term: LeadershipTerm;
  readonly exit: CommandExit;
}

/** What the supervisor runs, and how it stops it. */
export interface SupervisorOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** The environment of the command, before the RX_K8S_LEADER_* variables of its term are added. */
  readonly environment: NodeJS.ProcessEnv;
  /** `namespace/name` */
  readonly lease: string;
  /** Sent when this replica stops leading. */
  readonly stopSignal: NodeJS.Signals;
  readonly killAfter: number;
  /** Whether this replica leads at this instant, judged on the election's clock: checked again before each start. */
  readonly leads: () => boolean;
  readonly log: CommandLog;
}

interface Running {
  readonly term: LeadershipTerm;
  readonly process: CommandProcess;
  stopping?: Promise<CommandExit>;
}

/**
 * Runs the command while this replica leads, at most one process at a time and at most one per
 * term: a new one starts only once the last one and its process group are gone. The term's end
 * stops it (the stop signal, SIGKILL after kill-after); a command that ends by itself is told on
 * {@link CommandSupervisor.ended$} and not started again in the same term.
 */
export class CommandSupervisor {
  readonly #options: SupervisorOptions;
  readonly #ended = new Subject<CommandEnded>();
  #wanted: LeadershipTerm | null = null;
  #running: Running | undefined;
  #lastTerm = -Infinity;
  #closed = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  /** The command ended by itself during its term. */
  get ended$(): Observable<CommandEnded> {
    return this.#ended;
  }

  /** The command runs now (started, not yet stopped). */
  get running(): boolean {
    return this.#running?.process.running ?? false;
  }

  /** The term the election says this replica leads in, or null: starts or stops the command to match. */
  follow(term: LeadershipTerm | null): void {
    this.#wanted = term;
    this.#reconcile();
  }

  /** Passes a signal on to the command's process group while it runs. */
  forward(signal: NodeJS.Signals): void {
    if (this.#running?.process.running) {
      this.#options.log.state(`forwarding ${signal} to the command (pid ${this.#running.process.pid})`);
      this.#running.process.signal(signal);
    }
  }

  /**
   * Starts nothing more and stops the command, if it runs, with `signal` (then SIGKILL after
   * kill-after; a command already stopping gets `signal` too). Settles once it is gone, with how
   * it ended; undefined when no command was running.
   */
  async close(signal: NodeJS.Signals): Promise<CommandExit | undefined> {
    this.#closed = true;
    const running = this.#running;
    if (running === undefined) return undefined;
    if (running.stopping === undefined) this.#stop(running, signal, 'stopping');
    else this.forward(signal);
    return running.stopping;
  }

  #reconcile(): void {
    const running = this.#running;
    if (running !== undefined) {
      if (running.stopping === undefined && (this.#closed || this.#wanted?.term !== running.term.term)) {
        this.#stop(running, this.#options.stopSignal, `term ${running.term.term} ended`);
      }
      return;
    }
    const term = this.#wanted;
    if (this.#closed || term === null || term.term <= this.#lastTerm || !this.#options.leads()) return;
    this.#start(term);
  }

  #start(term: LeadershipTerm): void {
    const { command, args, environment, lease, log } = this.#options;
    this.#lastTerm = term.term;
    const child = new CommandProcess(command, args, {
      ...environment,
      RX_K8S_LEADER_IDENTITY: term.identity,
      RX_K8S_LEADER_TERM: String(term.term),
      RX_K8S_LEADER_LEASE: lease,
    }, log);
    const running: Running = { term, process: child };
    this.#running = running;
    if (child.pid !== undefined) log.state(`started the command (pid ${child.pid}) in term ${term.term}`);
    void child.exited.then((exit) => {
      if (running.stopping !== undefined) return;
      log.state(exit.spawnError === undefined ? `the command (pid ${child.pid}) ended by itself: ${describeExit(exit)}` : `the command could not be started: ${command}: ${exit.spawnError}`);
      // What it left running in its group is stopped before anyone hears it ended.
      this.#settle(running, child.stop(this.#options.stopSignal, this.#options.killAfter), () => this.#ended.next({ term, exit }));
    });
  }

  #stop(running: Running, signal: NodeJS.Signals, why: string): void {
    this.#options.log.state(`${why}: sending ${signal} to the command (pid ${running.process.pid}); SIGKILL after ${formatDuration(this.#options.killAfter)}`);
    this.#settle(running, running.process.stop(signal, this.#options.killAfter), (exit) => {
      this.#options.log.state(`the command (pid ${running.process.pid}) is gone: ${describeExit(exit)}`);
    });
  }

  #settle(running: Running, stopping: Promise<CommandExit>, then: (exit: CommandExit) => void): void {
    running.stopping = stopping.then((exit) => {
      this.#running = undefined;
      then(exit);
      this.#reconcile();
      return exit;
    });
  }
}
