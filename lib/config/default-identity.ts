import { hostname } from 'node:os';

/**
 * The pod's hostname (its name, in Kubernetes) plus a random suffix, so restarts are new
 * candidates. Uniqueness, not secrecy, is wanted here: Math.random spares loading node:crypto.
 */
export function defaultIdentity(): string {
  const suffix = Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  return `${hostname()}_${suffix}`;
}
