import { UsageError } from './usage-error.js';

/** Parses YAML text into plain data. */
export type YamlLoader = (text: string) => unknown;

/**
 * `loadYaml` of @kubernetes/client-node (an optional peer dependency), required on first use only:
 * it is needed for `--config` alone, and costs tens of megabytes to load.
 *
 * @throws {@link UsageError} saying how to install it when it is missing.
 */
export function clientNodeYamlLoader(): YamlLoader {
  try {
    const load = process.getBuiltinModule('node:module').createRequire(import.meta.url);
    const { loadYaml } = load('@kubernetes/client-node') as { loadYaml: (text: string) => unknown };
    return loadYaml;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if ((code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && message.includes('@kubernetes/client-node')) {
      throw new UsageError('--config reads YAML with the optional peer dependency @kubernetes/client-node, which is not installed: npm install @kubernetes/client-node');
    }
    throw error;
  }
}
