import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, killGroup, markedChild, markers, node } from './run-process.js';

/** LD 4s / RD 3s / RP 1s: the default kill-after is 500ms. */
export const fastTimings = ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s'];

/** `run` replicas of one spec, and a directory for their markers; {@link Replicas.killAll} ends everything they started. */
export class Replicas {
  readonly directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-cli-'));
  readonly markerFile = join(this.directory, 'markers');
  readonly #started: CliProcess[] = [];

  constructor(readonly kubeconfig: string, readonly leaseName: string) {}

  /** `rx-k8s-leader run -v --auth-type kubeConfig … --identity <identity> <extra> -- <command>`; the command defaults to marked-child.ts serving. */
  start(identity: string, extra: readonly string[] = [], command: readonly string[] = this.child('serve'), kubeconfig = this.kubeconfig): CliProcess {
    const process = new CliProcess(['run', '-v', '--auth-type', 'kubeConfig', '--kubeconfig', kubeconfig, '--lease-name', this.leaseName, '--lease-namespace', 'default',
      '--identity', identity, ...fastTimings, ...extra, '--', ...command]);
    this.#started.push(process);
    return process;
  }

  /** marked-child.ts in `mode`, writing to this spec's marker file. */
  child(mode: string, ...args: string[]): string[] {
    return [node, markedChild, this.markerFile, mode, ...args];
  }

  /** Every marker so far. */
  markers() {
    return markers(this.markerFile);
  }

  /** SIGKILLs every `run` still there and every command group they or the markers name; removes the directory. */
  async killAll(): Promise<void> {
    await Promise.all(this.#started.map((process) => process.kill()));
    for (const { pid } of this.markers()) killGroup(pid);
    rmSync(this.directory, { recursive: true, force: true });
  }
}
