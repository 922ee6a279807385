import type { LeaseVerb } from '../errors/lease-api-error.js';

/** Which election an event is about. */
export interface ElectionIdentity {
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** The Lease's namespace. */
  readonly namespace: string;
  /** The Lease's name alone: client-go's metrics label `name`. */
  readonly name: string;
  /** This candidate's holderIdentity. */
  readonly identity: string;
}

/**
 * Hooks the election calls as things happen, for metrics and tracing (see the `rx-k8s-leader/metrics`
 * entry point for Prometheus). Every hook is optional; one that throws is ignored.
 */
export interface ElectionDiagnostics {
  /** This candidate started (`term` given) or stopped leading. */
  leadingChanged?(event: ElectionIdentity & { readonly leading: boolean; readonly term?: number }): void;
  /** A write of this leader succeeded: `latencyMilliseconds` from send to answer, `at` the wall time (epoch ms) it was sent. */
  renewed?(event: ElectionIdentity & { readonly latencyMilliseconds: number; readonly at: number }): void;
  /** A call failed: the verb, and the HTTP status (undefined when no answer came, with `code` saying why if known). */
  apiFailed?(event: ElectionIdentity & { readonly verb: LeaseVerb; readonly status: number | undefined; readonly code: string | undefined }): void;
  /** A leader had to read the Lease before renewing (its cached record was stale): client-go's "slow path". */
  slowPath?(event: ElectionIdentity): void;
}

/** Calls a hook, never letting it break the election. */
export function tell<K extends keyof ElectionDiagnostics>(
  diagnostics: ElectionDiagnostics, hook: K, event: Parameters<NonNullable<ElectionDiagnostics[K]>>[0],
): void {
  try {
    (diagnostics[hook] as ((event: unknown) => void) | undefined)?.(event);
  } catch {
    // a diagnostics hook must not decide the election
  }
}
