#!/usr/bin/env node
/**
 * The `rx-k8s-leader` command line: `rx-k8s-leader run [options] -- <command> [args…]` runs a
 * command on one replica at a time; `rx-k8s-leader status` shows who holds the Leases. A leaf: it uses the library's public API only.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArguments } from './arguments.js';
import { cliLog } from './cli-log.js';
import { findExecutable } from './find-executable.js';
import { programHelp, runHelp, statusHelp } from './help.js';
import { runCommand } from './run-command.js';
import { resolveRunSettings } from './run-settings.js';
import { statusCommand } from './status-command.js';
import { resolveStatusSettings } from './status-settings.js';
import { UsageError, usageExitCode } from './usage-error.js';
import { packageVersion } from './version.js';
import { clientNodeYamlLoader } from './yaml-loader.js';

/** Runs the command line `argv` (without node and the script); resolves with the exit status. */
async function main(argv: readonly string[]): Promise<number> {
  try {
    const invocation = parseArguments(argv);
    if (invocation.kind === 'help') {
      process.stdout.write(invocation.topic === 'run' ? runHelp() : invocation.topic === 'status' ? statusHelp() : programHelp(packageVersion()));
      return 0;
    }
    if (invocation.kind === 'version') {
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    }
    const sources = () => ({ readFile: (file: string) => readFileSync(file, 'utf8'), loadYaml: clientNodeYamlLoader() });
    if (invocation.kind === 'status') return await statusCommand(resolveStatusSettings(invocation.flags, process.env, sources));
    const settings = resolveRunSettings(invocation.flags, invocation.command, process.env, sources);
    const log = cliLog(settings.verbose);
    const executable = findExecutable(settings.command[0], process.env);
    if (!executable.found) {
      log.error(`cannot run the command: ${executable.reason}`);
      return executable.exitCode;
    }
    return await runCommand(settings, process.env, log);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rx-k8s-leader: ${error.message}\nRun 'rx-k8s-leader ${error.topic === 'program' ? '' : `${error.topic} `}--help' for usage.\n`);
    return usageExitCode;
  }
}

// The exit code is set, not forced: with the command stopped and the election ended nothing is left
// open, so the process ends by itself (and a leak shows up as a process that does not end).
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`rx-k8s-leader: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
