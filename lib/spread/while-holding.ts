import { EMPTY, distinctUntilChanged, map, switchMap, type Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { LeadershipTerm } from '../election/candidate-status.js';
import { whileLeader, type TermEnd } from '../streams/while-leader.js';
import { spreadLinkOf } from './spread-link.js';

/**
 * Runs `work` only while the spread holds the Lease `name`, as `whileLeader` does for one Lease:
 * a factory gets the term (to fence with) and a {@link TermEnd}. When the spread hands the Lease
 * over (a rebalance, the last unsubscribe), work that listens to `stopping$` (or a Promise) is let
 * finish before the release; when the Lease is lost, it is cut off at once.
 *
 * @example
 * ```ts
 * held$.pipe(whileHolding('nightly-report', (term, { stopping$ }) => interval(60_000).pipe(takeUntil(stopping$), exhaustMap(() => report(term.term))))).subscribe();
 * ```
 */
export function whileHolding<T>(
  name: string,
  work: Observable<T> | ((term: LeadershipTerm, end: TermEnd) => ObservableInput<T>),
): OperatorFunction<ReadonlyMap<string, LeadershipTerm>, T> {
  return (source) => {
    const link = spreadLinkOf(source);
    const holding$ = source.pipe(map((held) => held.has(name)), distinctUntilChanged());
    return holding$.pipe(switchMap((holding) => {
      const term$ = holding ? link?.termOf$(name) : undefined;
      if (term$) return term$.pipe(whileLeader(work));
      // not one of our spreads: its terms alone, with no graceful drain
      return holding ? source.pipe(map((held) => held.get(name) ?? null), distinctUntilChanged((a, b) => a?.term === b?.term), whileLeader(work)) : EMPTY;
    }));
  };
}
