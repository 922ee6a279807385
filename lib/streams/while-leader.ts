import { EMPTY, defer, distinctUntilChanged, isObservable, switchMap, type Observable, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { LeadershipTerm } from '../election/candidate-status.js';

/**
 * Runs `work` only while the source says `true`: subscribes on `true`, unsubscribes on `false`
 * (switchMap semantics). Pass a factory to get fresh work for every term of leadership.
 *
 * @example isLeader$.pipe(whileLeader(() => pollQueue$)).subscribe();
 */
export function whileLeader<T>(work: Observable<T> | (() => ObservableInput<T>)): <S extends boolean | LeadershipTerm | null>(leading$: Observable<S>) => Observable<T>;
/**
 * Runs work for each term of leadership from a term stream (`term$` of {@link leaderElection}):
 * the factory gets the term, to stamp (fence) what it writes; the work is unsubscribed when the
 * term ends (null).
 *
 * @example election.term$.pipe(whileLeader((term) => writeReports$(term.term))).subscribe();
 */
export function whileLeader<T>(work: (term: LeadershipTerm) => ObservableInput<T>): OperatorFunction<LeadershipTerm | null, T>;
export function whileLeader<T>(work: Observable<T> | ((term: LeadershipTerm) => ObservableInput<T>) | (() => ObservableInput<T>)): OperatorFunction<boolean | LeadershipTerm | null, T> {
  return (leading$) => leading$.pipe(
    distinctUntilChanged(sameTerm),
    switchMap((leading) => {
      if (!leading) return EMPTY;
      if (isObservable(work)) return work;
      const factory = work as (term?: LeadershipTerm) => ObservableInput<T>;
      return defer(() => (leading === true ? factory() : factory(leading)));
    }),
  );
}

function sameTerm(previous: boolean | LeadershipTerm | null, next: boolean | LeadershipTerm | null): boolean {
  if (previous === next) return true;
  return typeof previous === 'object' && typeof next === 'object' && previous !== null && next !== null
    && previous.term === next.term && previous.identity === next.identity;
}
