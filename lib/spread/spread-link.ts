import { Observable } from 'rxjs';
import type { LeadershipTerm } from '../election/candidate-status.js';

/** What `whileHolding` learns from a spread beyond its maps: the running election of a Lease it holds. */
export interface SpreadLink {
  /** The term$ of the election this replica runs for `name` (linked, so work on it drains gracefully), while it runs one. */
  termOf$(name: string): Observable<LeadershipTerm | null> | undefined;
}

const link = Symbol('rx-k8s-leader.spread-link');

/** A view of `spread` that carries `spreadLink`; each call's own view, so every caller's link is its own. */
export function spreadLinked<T>(spread: Observable<T>, spreadLink: SpreadLink): Observable<T> {
  const view = new Observable<T>((subscriber) => spread.subscribe(subscriber));
  Object.defineProperty(view, link, { value: spreadLink });
  return view;
}

/** The link of a stream made by `spread$`, if it is one. */
export function spreadLinkOf(stream: Observable<unknown>): SpreadLink | undefined {
  return (stream as unknown as { [link]?: SpreadLink })[link];
}
