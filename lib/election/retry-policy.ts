/**
 * How long to wait before the next attempt, and when to give up: the election's timing rules
 * beside {@link decide}, pure. Every function takes its randomness as `u` in [0, 1).
 */

/** client-go's JitterFactor: a follower's retry interval is uniform in [RP, 2.2·RP]. */
export const followerJitter = 1.2;

/** A follower's next poll or retry (no watch, a failed call, a 409 storm): retry_period with client-go's jitter. */
export function followerRetryDelay(retryPeriod: number, u: number): number {
  return retryPeriod * (1 + u * followerJitter);
}

/**
 * A leader's retry after a failed renewal: soon at first (100 ms, doubling), never more than about
 * retry_period, and never past its deadline (`untilDeadline` ms from now), where it must step down
 * rather than wait.
 */
export function leaderRetryDelay(retryPeriod: number, failures: number, untilDeadline: number, u: number): number {
  const base = Math.min(retryPeriod, 100 * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.max(0, Math.min(base * (1 + u * 0.2), untilDeadline));
}

/**
 * When a leader renews: retry_period after its last write was sent, less up to a tenth of it at
 * random. Renewing early is always safe (it only shortens the time to the deadline's next
 * extension), and leases won together drift apart instead of renewing in bursts.
 */
export function renewalDelay(retryPeriod: number, u: number): number {
  return retryPeriod * (1 - u * 0.1);
}

/** After a failed watch: 200 ms doubling, capped at 4 × retry_period, with up to 100 % jitter. */
export function watchRetryDelay(retryPeriod: number, failures: number, u: number): number {
  return Math.min(retryPeriod * 4, 200 * 2 ** Math.min(Math.max(failures, 1) - 1, 30)) * (1 + u);
}

/** How long to wait before asking again for a watch the server forbids (RBAC may be fixed meanwhile). */
export const forbiddenWatchRetry = 60_000;

/**
 * After a watch ended by itself (the server closes them every few minutes): reopen at once, unless
 * it ended soon after it opened twice in a row, then back off as after a failure.
 */
export function watchReopenDelay(retryPeriod: number, shortSessionsInARow: number, u: number): number {
  return shortSessionsInARow <= 1 ? 0 : watchRetryDelay(retryPeriod, shortSessionsInARow - 1, u);
}

/** Two writes in a row answered 409: someone else keeps writing; back off instead of re-reading at once. */
export const conflictsBeforeBackoff = 2;

/** Attempts in a row without any answer, before a candidate whose requests were never answered gives up. */
export const unansweredAttemptsBeforeGivingUp = 3;

/** What {@link givesUpUnreachable} weighs. */
export interface UnreachableHistory {
  /** Some request to this API server ever got an HTTP answer (of any status). */
  readonly answeredEver: boolean;
  /** Requests in a row that got no answer at all. */
  readonly unansweredAttempts: number;
  /** Milliseconds since the candidate started. */
  readonly sinceStart: number;
  readonly renewDeadline: number;
}

/**
 * A candidate gives up on a server it cannot reach only if no request ever got an answer, over a
 * few attempts and at least renew_deadline: a wrong address, DNS, TLS or a missing credential
 * plugin, not an outage (one hung request is not enough).
 */
export function givesUpUnreachable({ answeredEver, unansweredAttempts, sinceStart, renewDeadline }: UnreachableHistory): boolean {
  return !answeredEver && unansweredAttempts >= unansweredAttemptsBeforeGivingUp && sinceStart >= renewDeadline;
}
