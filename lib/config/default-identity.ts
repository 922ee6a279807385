import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** The pod's hostname (its name, in Kubernetes) plus a random suffix, so restarts are new candidates. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}
