import type { Observable } from 'rxjs';
import type { LeadershipTerm } from '../election/candidate-status.js';
import type { WorkDrain } from './work-drain.js';

/**
 * What `whileLeader` learns from a stream of this library (`isLeader$`, `term$`, `leadership$`)
 * beyond its values: the running election's drain, whether it leads now, and its term.
 */
export interface LeadershipLink {
  /** The running election's drain, while it runs (and while its last term is finishing). */
  drain(): WorkDrain | undefined;
  /** Whether the election leads at this moment, judged by its clock. */
  leads(): boolean;
  /** The current term, while leading. */
  term(): LeadershipTerm | undefined;
}

const link = Symbol('rx-k8s-leader.leadership-link');

/** `stream` with `leadership` attached, so `whileLeader` applied to it can drain gracefully. */
export function linked<S extends Observable<unknown>>(stream: S, leadership: LeadershipLink): S {
  Object.defineProperty(stream, link, { value: leadership });
  return stream;
}

/** The link attached to `stream` by {@link linked}, if it is one of ours. */
export function leadershipLinkOf(stream: Observable<unknown>): LeadershipLink | undefined {
  return (stream as unknown as { [link]?: LeadershipLink })[link];
}
