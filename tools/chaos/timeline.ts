// The overlap checker: from what each candidate process reported (and what the harness did to it),
// when did each one lead, when did two or more lead at once, and when did none.
import type { PeerEvent, PeerExit } from '../candidate-process.js';

export type Implementation = 'rx-k8s-leader' | 'client-go';

/** Something the harness did to a candidate process, at a wall time (epoch ms). */
export interface Action {
  readonly kind: 'kill' | 'stop' | 'cont' | 'term';
  readonly at: number;
}

/** Everything known about one candidate process. */
export interface MemberRecord {
  readonly identity: string;
  readonly implementation: Implementation;
  readonly events: readonly PeerEvent[];
  readonly actions: readonly Action[];
  /** Wall times at which its proxy received bytes from it. */
  readonly sent: readonly number[];
  readonly exit: PeerExit | undefined;
}

export interface Interval {
  readonly identity: string;
  readonly implementation: Implementation;
  readonly from: number;
  readonly to: number;
  /** When this term of leadership began (before clipping or cutting out frozen time). */
  readonly began: number;
}

export interface Overlap {
  readonly from: number;
  readonly to: number;
  readonly identities: readonly string[];
  /** The one that led first: it did not step down in time (the newcomer's takeover is checked apart). */
  readonly incumbent: string;
  readonly incumbentImplementation: Implementation;
}

export interface TimelineSummary {
  /** Total time with two or more leaders, ms. */
  readonly overlapMs: number;
  /** The longest single stretch with two or more leaders, ms. */
  readonly overlapMaxMs: number;
  readonly overlaps: readonly Overlap[];
  /** Overlap time blamed on each implementation (the incumbent's). */
  readonly overlapByImplementation: Readonly<Partial<Record<Implementation, number>>>;
  /** The longest stretch with no leader at all, ms. */
  readonly leaderlessMaxMs: number;
  readonly intervals: readonly Interval[];
}

/** Events that end a term of leadership as the process itself reports it. */
const endsLeadership = new Set<PeerEvent['event']>(['stopped-leading', 'cancel', 'error', 'unsubscribed']);

/**
 * A process frozen by SIGSTOP does nothing, so it is not counted as leading while frozen. After
 * SIGCONT it counts as leading again from its first act (a reported line or a byte on the wire)
 * until it says false: a candidate that says false before anything else adds no overlap.
 */
export function leadershipIntervals(member: MemberRecord, windowFrom: number, windowTo: number): Interval[] {
  const ends: number[] = [];
  for (const action of member.actions) if (action.kind === 'kill') ends.push(action.at);
  if (member.exit) ends.push(member.exit.at);
  const deathAt = ends.length > 0 ? Math.min(...ends) : Infinity;

  const terms: { from: number; to: number }[] = [];
  let open: number | undefined;
  for (const event of [...member.events].sort((a, b) => a.at - b.at)) {
    if (event.at >= deathAt) break;
    if (event.event === 'started-leading' && open === undefined) open = event.at;
    else if (endsLeadership.has(event.event) && open !== undefined) {
      terms.push({ from: open, to: event.at });
      open = undefined;
    }
  }
  if (open !== undefined) terms.push({ from: open, to: deathAt });

  const frozen = frozenSpans(member, deathAt);
  const intervals: Interval[] = [];
  for (const term of terms) {
    let pieces = [{ from: term.from, to: term.to }];
    for (const span of frozen) {
      pieces = pieces.flatMap((piece) => {
        if (span.to <= piece.from || span.from >= piece.to) return [piece];
        const kept = [];
        if (span.from > piece.from) kept.push({ from: piece.from, to: span.from });
        if (span.to < piece.to) kept.push({ from: span.to, to: piece.to });
        return kept;
      });
    }
    for (const piece of pieces) {
      const from = Math.max(piece.from, windowFrom);
      const to = Math.min(piece.to, windowTo);
      if (to > from) intervals.push({ identity: member.identity, implementation: member.implementation, from, to, began: term.from });
    }
  }
  return intervals;
}

/** [SIGSTOP, first act after SIGCONT) spans. */
function frozenSpans(member: MemberRecord, deathAt: number): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = [];
  const sorted = [...member.actions].sort((a, b) => a.at - b.at);
  for (let index = 0; index < sorted.length; index++) {
    const stop = sorted[index]!;
    if (stop.kind !== 'stop') continue;
    const cont = sorted.slice(index + 1).find((action) => action.kind === 'cont');
    if (!cont) {
      spans.push({ from: stop.at, to: deathAt });
      continue;
    }
    const firstLine = member.events.find((event) => event.at >= cont.at)?.at ?? Infinity;
    const firstByte = member.sent.find((at) => at >= cont.at) ?? Infinity;
    spans.push({ from: stop.at, to: Math.min(firstLine, firstByte, deathAt) });
  }
  return spans;
}

/** Overlaps and leaderless stretches of a set of candidates within [from, to]. */
export function summarize(members: readonly MemberRecord[], from: number, to: number): TimelineSummary {
  const intervals = members.flatMap((member) => leadershipIntervals(member, from, to));
  const points = [...new Set([from, to, ...intervals.flatMap((interval) => [interval.from, interval.to])])].sort((a, b) => a - b);
  const overlaps: Overlap[] = [];
  let overlapMs = 0;
  let leaderlessMaxMs = 0;
  let leaderlessRun = 0;
  let current: { from: number; to: number; identities: Set<string>; first: Interval } | undefined;
  for (let index = 0; index + 1 < points.length; index++) {
    const start = points[index]!;
    const end = points[index + 1]!;
    const middle = (start + end) / 2;
    const active = intervals.filter((interval) => interval.from <= middle && interval.to > middle);
    if (active.length === 0) {
      leaderlessRun += end - start;
      leaderlessMaxMs = Math.max(leaderlessMaxMs, leaderlessRun);
    } else {
      leaderlessRun = 0;
    }
    if (active.length >= 2) {
      overlapMs += end - start;
      const first = active.reduce((earliest, interval) => (interval.began < earliest.began ? interval : earliest));
      if (current && current.to === start) {
        current.to = end;
        for (const interval of active) current.identities.add(interval.identity);
      } else {
        if (current) overlaps.push(finish(current));
        current = { from: start, to: end, identities: new Set(active.map((interval) => interval.identity)), first };
      }
    }
  }
  if (current) overlaps.push(finish(current));
  const overlapByImplementation: Partial<Record<Implementation, number>> = {};
  for (const overlap of overlaps) {
    overlapByImplementation[overlap.incumbentImplementation] = (overlapByImplementation[overlap.incumbentImplementation] ?? 0) + overlap.to - overlap.from;
  }
  return {
    overlapMs,
    overlapMaxMs: overlaps.reduce((most, overlap) => Math.max(most, overlap.to - overlap.from), 0),
    overlaps,
    overlapByImplementation,
    leaderlessMaxMs,
    intervals,
  };
}

function finish(current: { from: number; to: number; identities: Set<string>; first: Interval }): Overlap {
  return {
    from: current.from, to: current.to, identities: [...current.identities],
    incumbent: current.first.identity, incumbentImplementation: current.first.implementation,
  };
}

/** A compact, readable timeline of a round (times in ms from `origin`), for reports of broken rounds. */
export function describeTimeline(members: readonly MemberRecord[], origin: number, from: number, to: number): string[] {
  const lines: { at: number; text: string }[] = [];
  const interesting = new Set(['started-leading', 'stopped-leading', 'cancel', 'error', 'unsubscribed', 'work-started', 'work-stopped']);
  for (const member of members) {
    for (const event of member.events) {
      if (event.at < from || event.at > to) continue;
      const detail = event.detail ?? {};
      if (interesting.has(event.event)) {
        lines.push({ at: event.at, text: `${member.identity} ${event.event}${detail.message ? ` ${String(detail.message).slice(0, 160)}` : ''}` });
      } else if (event.event === 'request' && (detail.verb === 'update' || detail.verb === 'create')) {
        lines.push({ at: event.at, text: `${member.identity} sends ${String(detail.verb)}${detail.holder === undefined ? '' : ` holder=${JSON.stringify(detail.holder)}`}` });
      } else if (event.event === 'response' && detail.verb !== 'get' && detail.verb !== 'watch') {
        lines.push({ at: event.at, text: `${member.identity} ${String(detail.verb)} answered ${String(detail.status)}${detail.aborted ? ' (aborted)' : ''}` });
      }
    }
    for (const action of member.actions) if (action.at >= from && action.at <= to) lines.push({ at: action.at, text: `harness ${action.kind} ${member.identity}` });
    if (member.exit && member.exit.at >= from && member.exit.at <= to) lines.push({ at: member.exit.at, text: `${member.identity} exited code=${member.exit.code} signal=${member.exit.signal}` });
  }
  return lines.sort((a, b) => a.at - b.at).map((line) => `${(line.at - origin).toFixed(1).padStart(9)} ms  ${line.text}`);
}
