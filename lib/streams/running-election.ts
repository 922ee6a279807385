import { ReplaySubject, Subject, concat, defer, finalize, map, of, share, tap, throwError, type Observable } from 'rxjs';
import { notLeading, type CandidateStatus } from '../election/candidate-status.js';
import { ElectionHostClosedError } from '../errors/election-host-closed-error.js';
import type { ElectionHost } from '../host/election-host.js';
import type { HandOverCommand } from './candidate-context.js';
import type { WorkDrain } from './work-drain.js';

/** A candidate running in a host, as its subscribers and handles see it. */
export interface RunningElection {
  readonly status$: Observable<CandidateStatus>;
  readonly monotonic: () => number;
  readonly handOvers: Subject<HandOverCommand>;
  readonly drain: WorkDrain;
  /** The latest status, for synchronous questions (health). */
  latest: CandidateStatus;
}

/** A status as delivered to one subscriber, with the election's clock reading at delivery. */
export interface StatusNow {
  readonly status: CandidateStatus;
  readonly now: number;
}

/** What starting a run gives: its statuses, its clock, its drain. */
export interface StartedRun {
  readonly status$: Observable<CandidateStatus>;
  readonly monotonic: () => number;
  readonly drain: WorkDrain;
}

/** The election running in `host` under `key`, if a subscriber keeps one running. */
export function runningElection(host: ElectionHost, key: string): RunningElection | undefined {
  return host.elections.get(key) as RunningElection | undefined;
}

/**
 * Joins the election running in `host` under `key`, or starts it with `start` when none runs.
 * The first subscriber starts it, later ones get its latest status at once, the last to leave
 * stops it. A run that starts while an earlier one of the same key is still finishing (its drain,
 * its release) says "not leading" and waits for it first. `start` gets the hand-over commands and
 * a callback to report what its run leaves behind when it ends; `joined` hears every run joined.
 */
export function joinElection$(
  host: ElectionHost,
  key: string,
  lease: string,
  start: (handOvers$: Observable<HandOverCommand>, leftBehind: (settling: Observable<never> | undefined) => void) => StartedRun,
  joined: (election: RunningElection) => void = () => undefined,
): Observable<StatusNow> {
  return defer(() => {
    if (host.closed) return throwError(() => new ElectionHostClosedError(lease));
    let election = runningElection(host, key);
    if (!election) {
      const handOvers = new Subject<HandOverCommand>();
      const leftover = host.leftovers.get(key);
      const leftBehind = (settling: Observable<never> | undefined) => {
        if (!settling) return;
        host.leftovers.set(key, settling);
        settling.subscribe({
          complete: () => {
            if (host.leftovers.get(key) === settling) host.leftovers.delete(key);
          },
        });
      };
      const { status$, monotonic, drain } = start(handOvers, leftBehind);
      const run$ = leftover === undefined ? status$ : concat(of(notLeading), leftover, status$);
      const created: RunningElection = {
        monotonic,
        handOvers,
        drain,
        latest: notLeading,
        status$: run$.pipe(
          tap((status) => { created.latest = status; }),
          finalize(() => {
            created.latest = notLeading;
            if (host.elections.get(key) === created) host.elections.delete(key);
          }),
          share({ connector: () => new ReplaySubject<CandidateStatus>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
        ),
      };
      host.elections.set(key, created);
      election = created;
    }
    joined(election);
    const { status$ } = election;
    return status$.pipe(map((status) => ({ status, now: election.monotonic() })));
  });
}
