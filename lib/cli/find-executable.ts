import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether the command can be run, checked before contending, as a shell would find it. */
export type Executable = { readonly found: true; readonly path: string } | { readonly found: false; readonly exitCode: 126 | 127; readonly reason: string };

/** Looks `command` up as execvp does: a name with a `/` as a path, any other on PATH. */
export function findExecutable(command: string, environment: NodeJS.ProcessEnv): Executable {
  const candidates = command.includes('/') ? [command] : (environment.PATH ?? '').split(delimiter).filter(Boolean).map((directory) => join(directory, command));
  let notExecutable: string | undefined;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return { found: true, path: candidate };
    } catch {
      notExecutable ??= candidate;
    }
  }
  if (notExecutable !== undefined) return { found: false, exitCode: 126, reason: `${notExecutable} is not executable` };
  return { found: false, exitCode: 127, reason: command.includes('/') ? `${command}: no such file` : `${command}: command not found on PATH` };
}
