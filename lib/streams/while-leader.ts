import {
  Observable, Subject, distinctUntilChanged, from, isObservable,
  type ObservableInput, type OperatorFunction, type Subscriber, type Subscription,
} from 'rxjs';
import type { LeadershipTerm } from '../election/candidate-status.js';
import { leadershipLinkOf } from './leadership-link.js';
import type { DrainingWork } from './work-drain.js';

/** What a term's work is told about the end of its term. */
export interface TermEnd {
  /**
   * Emits once, then completes, when the term ends gracefully (a hand-over, the last unsubscribe,
   * the host closing, a rebalance): finish what is in flight, start nothing new, then complete.
   * Work that listens to it (`takeUntil(stopping$)` before an `exhaustMap` of jobs, say) is
   * waited for, up to `drain_timeout`, before the lease is released, so the next leader's work
   * never overlaps it. Work that does not listen is cut off at once.
   */
  readonly stopping$: Observable<void>;
  /** Aborted when the work is cut off: the lease was lost, or the drain's limit came. */
  readonly signal: AbortSignal;
}

/** What a term's work factory gets first: the term on a term stream; on a boolean stream of this library its term too, else undefined. */
export type TermOf<S> = [S] extends [boolean] ? LeadershipTerm | undefined : LeadershipTerm;

/**
 * Runs `work` only while the source says it leads (`true`, or a term): subscribes on each new term,
 * and ends the work when the term ends. Pass a factory to get fresh work for every term, with the
 * term (to fence writes with) and a {@link TermEnd}.
 *
 * How the work ends: when the term ends gracefully (a hand-over, the last unsubscribe, the host
 * closing, a rebalance), work that listens to `stopping$` is asked to finish, and work that is a
 * Promise (a factory returning one) is let settle; the lease is released only once it has, or at
 * `drain_timeout` (and never past the leader's deadline). On a lost lease (the renew deadline
 * passed, a pause, a takeover) the work is unsubscribed at once and its `signal` aborted, as is
 * work that does not listen. Graceful ends are known on the streams of this library
 * (`isLeader$`, `term$`, `leadership$`): apply `whileLeader` to them directly.
 *
 * @example
 * ```ts
 * election.term$.pipe(
 *   whileLeader((term, { stopping$ }) => interval(5_000).pipe(takeUntil(stopping$), exhaustMap(() => poll(term.term)))),
 * ).subscribe();
 * ```
 */
export function whileLeader<S extends boolean | LeadershipTerm | null, T>(
  work: Observable<T> | ((term: TermOf<S>, end: TermEnd) => ObservableInput<T>),
): OperatorFunction<S, T> {
  return (source) => new Observable<T>((subscriber) => {
    const link = leadershipLinkOf(source);
    let current: TermWork<T> | undefined;
    const endTerm = (gracefully: boolean) => {
      const ending = current;
      current = undefined;
      if (!ending) return;
      const drain = gracefully ? link?.drain() : undefined;
      if (drain && ending.finishesWhenAsked()) {
        drain.adopt(ending);
        ending.askToFinish();
      } else {
        ending.cut();
      }
    };
    const begin = (leading: S) => {
      const term = (typeof leading === 'object' && leading !== null ? leading : link?.term()) as TermOf<S>;
      const termWork = new TermWork(subscriber);
      current = termWork;
      let input: ObservableInput<T>;
      try {
        input = isObservable(work) ? work : work(term, termWork.end);
      } catch (error) {
        endTerm(false);
        subscriber.error(error);
        return;
      }
      termWork.run(input);
    };
    const subscription = source.pipe(distinctUntilChanged(sameTerm)).subscribe({
      next: (leading) => {
        endTerm(link?.drain()?.graceful ?? false);
        if (leading) begin(leading as S);
      },
      error: (error: unknown) => {
        endTerm(false);
        subscriber.error(error);
      },
      complete: () => {
        endTerm(link?.drain()?.graceful ?? false);
        subscriber.complete();
      },
    });
    // Unsubscribing while leading may end the election (the last subscriber): finish gracefully.
    return () => {
      endTerm(link?.leads() ?? false);
      subscription.unsubscribe();
    };
  });
}

/** One term's work: its subscription, the signals it was given, and whether it has finished. */
class TermWork<T> implements DrainingWork {
  readonly end: TermEnd;
  private readonly controller = new AbortController();
  private readonly stopping = new Subject<void>();
  private listeners = 0;
  private asked = false;
  private promised = false;
  private finished = false;
  private subscription: Subscription | undefined;
  private readonly finishedCallbacks: (() => void)[] = [];

  constructor(private readonly subscriber: Subscriber<T>) {
    const stopping$ = new Observable<void>((observer) => {
      if (this.asked) {
        observer.next();
        observer.complete();
        return undefined;
      }
      this.listeners += 1;
      const inner = this.stopping.subscribe(observer);
      return () => {
        this.listeners -= 1;
        inner.unsubscribe();
      };
    });
    this.end = { stopping$, signal: this.controller.signal };
  }

  run(input: ObservableInput<T>): void {
    this.promised = isPromiseLike(input);
    this.subscription = from(input).subscribe({
      next: (value) => this.subscriber.next(value),
      error: (error: unknown) => {
        this.finish();
        this.subscriber.error(error);
      },
      complete: () => this.finish(),
    });
    if (this.finished) this.subscription.unsubscribe();
  }

  /** It will finish by itself once asked: it listens to `stopping$`, or it is a promise. */
  finishesWhenAsked(): boolean {
    return !this.finished && (this.promised || this.listeners > 0);
  }

  askToFinish(): void {
    if (this.asked) return;
    this.asked = true;
    this.stopping.next();
    this.stopping.complete();
  }

  onFinished(callback: () => void): void {
    if (this.finished) callback();
    else this.finishedCallbacks.push(callback);
  }

  cut(): void {
    this.controller.abort();
    this.subscription?.unsubscribe();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const callback of this.finishedCallbacks.splice(0)) callback();
  }
}

function isPromiseLike(input: unknown): input is PromiseLike<unknown> {
  return typeof input === 'object' && input !== null && typeof (input as { then?: unknown }).then === 'function';
}

function sameTerm(previous: boolean | LeadershipTerm | null, next: boolean | LeadershipTerm | null): boolean {
  if (previous === next) return true;
  return typeof previous === 'object' && typeof next === 'object' && previous !== null && next !== null
    && previous.term === next.term && previous.identity === next.identity;
}
