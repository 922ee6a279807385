import { NEVER, Observable, defer, observeOn, throwError, timer, concatMap, type SchedulerLike, type SchedulerAction, type Subscription } from 'rxjs';
import { LeaseApiError, type LeaseVerb } from '../../lib/errors/lease-api-error.js';
import type { Lease, LeaseClient, LeaseReference } from '../../lib/lease/lease.js';

export interface CallRecord {
  readonly at: number;
  readonly verb: LeaseVerb;
  readonly holder?: string;
  readonly resourceVersion?: string;
}

/** Records every call (time, verb, holder written) made through the client. */
export function recordingLeases(inner: LeaseClient, scheduler: SchedulerLike, calls: CallRecord[]): LeaseClient {
  const note = (verb: LeaseVerb, lease?: Lease) => calls.push({
    at: scheduler.now(), verb, ...(lease ? { holder: lease.spec.holderIdentity, resourceVersion: lease.resourceVersion } : {}),
  });
  return {
    get: (reference) => defer(() => { note('get'); return inner.get(reference); }),
    create: (lease) => defer(() => { note('create', lease); return inner.create(lease); }),
    replace: (lease) => defer(() => { note('update', lease); return inner.replace(lease); }),
    watch: (reference, resourceVersion) => defer(() => { note('watch'); return inner.watch(reference, resourceVersion); }),
  };
}

/** What a fault plan says about one call: fail with a status, hang forever, or pass through. */
export type Fault = { readonly status: number | undefined } | 'hang' | undefined;

/** Injects faults decided per call by `plan(verb, now)`; a failure arrives after `latency`. */
export function faultyLeases(inner: LeaseClient, scheduler: SchedulerLike, plan: (verb: LeaseVerb, now: number) => Fault, latency = 5): LeaseClient {
  const guard = <T>(verb: LeaseVerb, reference: LeaseReference, call: () => Observable<T>): Observable<T> => defer(() => {
    const fault = plan(verb, scheduler.now());
    if (fault === undefined) return call();
    if (fault === 'hang') return NEVER;
    const error = new LeaseApiError(verb, reference, fault.status, fault.status === undefined ? undefined : 'Injected', 'injected fault');
    return timer(latency, scheduler).pipe(concatMap(() => throwError(() => error)));
  });
  return {
    get: (reference) => guard('get', reference, () => inner.get(reference)),
    create: (lease) => guard('create', lease, () => inner.create(lease)),
    replace: (lease) => guard('update', lease, () => inner.replace(lease)),
    watch: (reference, resourceVersion) => guard('watch', reference, () => inner.watch(reference, resourceVersion)),
  };
}

/** Delivers every answer and event through `scheduler`, so a paused scheduler pauses them too. */
export function deliveredOn(inner: LeaseClient, scheduler: SchedulerLike): LeaseClient {
  return {
    get: (reference) => inner.get(reference).pipe(observeOn(scheduler)),
    create: (lease) => inner.create(lease).pipe(observeOn(scheduler)),
    replace: (lease) => inner.replace(lease).pipe(observeOn(scheduler)),
    watch: (reference, resourceVersion) => inner.watch(reference, resourceVersion).pipe(observeOn(scheduler)),
  };
}

/**
 * A scheduler whose process is stopped (SIGSTOP, a long GC) during [from, to): time goes on,
 * but nothing scheduled through it runs until `resumeAt` (`to` unless given; give the timers'
 * scheduler a later one than the I/O's to have answers handled first on resume, as Node does).
 */
export class PausedScheduler implements SchedulerLike {
  constructor(private readonly base: SchedulerLike, private readonly from: number, private readonly to: number, private readonly resumeAt = to) {}

  now(): number {
    return this.base.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    const due = this.now() + delay;
    const runAt = due >= this.from && due < this.to ? this.resumeAt : due;
    return this.base.schedule(work, runAt - this.now(), state);
  }
}
