import { hostname } from 'node:os';

let processIdentity: string | undefined;

/**
 * This process's identity: the pod's hostname (its name, in Kubernetes) plus a random suffix drawn
 * once per process, so a restart is a new candidate while every election of one process without
 * an explicit `identity` is the same candidate (and shares one running election). Uniqueness, not
 * secrecy, is wanted here: Math.random spares loading node:crypto.
 */
export function defaultIdentity(): string {
  processIdentity ??= `${hostname()}_${Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')}`;
  return processIdentity;
}
