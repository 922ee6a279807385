import { EMPTY, defer, distinctUntilChanged, isObservable, switchMap, type Observable, type ObservableInput, type OperatorFunction } from 'rxjs';

/**
 * Runs `work` only while the source says `true`: subscribes on `true`, unsubscribes on `false`
 * (switchMap semantics). Pass a factory to get fresh work for every term of leadership.
 *
 * @example isLeader$.pipe(whileLeader(() => pollQueue$)).subscribe();
 */
export function whileLeader<T>(work: Observable<T> | (() => ObservableInput<T>)): OperatorFunction<boolean, T> {
  const term$ = isObservable(work) ? work : defer(work);
  return (isLeader$) => isLeader$.pipe(
    distinctUntilChanged(),
    switchMap((leading) => (leading ? term$ : EMPTY)),
  );
}
