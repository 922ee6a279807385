import type { Lease, LeaseSpec } from '../lease/lease.js';

/** A coordination.k8s.io/v1 Lease as JSON on the wire; everything we do not own is kept as is. */
export interface WireLease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [field: string]: unknown };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number; [field: string]: unknown };
  [field: string]: unknown;
}

/** Set by the server on create; sending them back on a create is refused or ignored. */
const serverSetOnCreate = ['resourceVersion', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields', 'selfLink'];

/** The Lease as the server returned it: the election's fields normalised, and the whole object. */
export function fromWire(object: WireLease): Lease {
  const metadata = object.metadata ?? {};
  const spec = object.spec ?? {};
  const { resourceVersion } = metadata;
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
    spec: {
      holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '',
      leaseDurationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
      acquireTime: typeof spec.acquireTime === 'string' ? spec.acquireTime : null,
      renewTime: typeof spec.renewTime === 'string' ? spec.renewTime : null,
      leaseTransitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
    },
    object,
  };
}

/**
 * The body of a write: `lease.object` (labels, annotations, ownerReferences, finalizers,
 * managedFields, spec.strategy, spec.preferredHolder all kept, as client-go's LeaseLock keeps
 * them), with name, namespace and resourceVersion set and the election's five fields laid over its
 * spec. New objects all the way down to what changes (the top level, metadata, spec); the rest is
 * shared with `lease.object`, never changed, and only serialised. MicroTime strings go through
 * untouched; null times are left out.
 */
export function toWire(lease: Lease, purpose: 'create' | 'replace'): WireLease {
  const object = (lease.object ?? {}) as WireLease;
  const metadata = { ...(isRecord(object.metadata) ? object.metadata : {}) };
  if (purpose === 'create') for (const field of serverSetOnCreate) delete metadata[field];
  metadata.name = lease.name;
  metadata.namespace = lease.namespace;
  if (lease.resourceVersion === undefined) delete metadata.resourceVersion;
  else metadata.resourceVersion = lease.resourceVersion;
  const spec: NonNullable<WireLease['spec']> = { ...(isRecord(object.spec) ? object.spec : {}) };
  overlay(spec, lease.spec);
  return { ...object, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec };
}

function overlay(spec: NonNullable<WireLease['spec']>, election: LeaseSpec): void {
  spec.holderIdentity = election.holderIdentity;
  spec.leaseDurationSeconds = election.leaseDurationSeconds;
  spec.leaseTransitions = election.leaseTransitions;
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const value = election[field];
    if (value === null) delete spec[field];
    else spec[field] = value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
