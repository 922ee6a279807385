import { Observable, ReplaySubject, asyncScheduler, isObservable, map, of, share, type Subscription } from 'rxjs';
import type { LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import { guardedLogger, quietLogger } from '../diagnostics/logger.js';
import type { LeadershipTerm } from '../election/candidate-status.js';
import { ConfigError } from '../errors/config-error.js';
import { defaultElectionHost } from '../host/default-host.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import { leaderElection, type LeaderElection, type LeadershipOptions } from '../streams/leader-election.js';
import { ElectionHostClosedError } from '../errors/election-host-closed-error.js';
import { balance, fnv1a } from './balance.js';
import { members$ } from './membership.js';
import { spreadLinked, type SpreadLink } from './spread-link.js';

/** The config of a spread: a `leadership$` config without `lease_name` (the names come apart). */
export type SpreadInput = Omit<LeaderElectionInput, 'lease_name' | 'leaseName'>;

/** How a spread runs: as `leadership$`'s options, and the group its replicas share. */
export interface SpreadOptions extends LeadershipOptions {
  /**
   * Names the spread: its membership Leases are named `<group>-member-<hash of the names>-<hash of
   * the identity>`, so replicas count each other only when they spread the same names in the same
   * group. A DNS label of at most 40 characters; default `rx-spread`.
   */
  readonly group?: string;
}

/** What a group may be: a DNS label of at most 40 characters (its Leases' names grow from it). */
export const groupPattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/** 64 bits of two FNV-1a hashes, in base 36: names membership Leases without a collision in practice. */
const longHash = (text: string): string => `${fnv1a(text).toString(36)}${fnv1a(`\u0001${text}`).toString(36)}`;

/** A spread running in a host: its shared stream and the elections it runs. */
interface RunningSpread {
  readonly stream: Observable<ReadonlyMap<string, LeadershipTerm>>;
  readonly candidates: Map<string, Candidate>;
}

interface Candidate {
  readonly election: LeaderElection;
  readonly subscription: Subscription;
}

/**
 * Spreads Leases over the live replicas, each held by one of them: the Leases this replica holds
 * now, each with its term (for fencing). With R live replicas and K Leases, once settled each holds
 * ⌊K/R⌋ or ⌈K/R⌉ (see the README's "Spread jobs across replicas"); a replica contends only for the
 * Leases the spread rule gives it, hands over (gracefully: its work drains first) the ones it holds
 * beyond its share, and keeps the rest. Every Lease stays an ordinary one: at most one holder at a
 * time, client-go electors welcome.
 *
 * Shared like `leadership$`: one spread per host, group, namespace and identity (the first
 * subscriber's `names` are the spread's while it runs); later subscribers get the current map at
 * once, judged at delivery (a Lease whose deadline passed is left out); the last unsubscribe
 * releases what it holds and leaves the group; `host.close()` completes it. It errors, after
 * releasing, with a `LeaderElectionError` of any of its Leases, a `ConfigError` for an invalid name
 * on `names`, or an `ElectionHostClosedError`.
 *
 * @param names the Lease names, or an Observable of them (jobs come and go).
 * @throws {@link ConfigError} at once for an invalid config or group.
 */
export function spread$(config: SpreadInput, names: readonly string[] | Observable<readonly string[]>, options: SpreadOptions = {}): Observable<ReadonlyMap<string, LeadershipTerm>> {
  const group = options.group ?? 'rx-spread';
  if (!groupPattern.test(group)) {
    throw new ConfigError([{ path: 'group', reason: 'must be a DNS label of at most 40 characters (lowercase letters, digits and "-")', value: group }]);
  }
  const probe = parseConfig({ ...config, lease_name: `${group}-member` });
  const { identity, leaseNamespace, retryPeriod } = probe;
  const host = options.host ?? defaultElectionHost();
  const leases = options.leases ?? kubernetesLeases(options.kubeConfig ? host.connections.fromKubeConfig(options.kubeConfig) : host.connections.cluster(probe));
  const shared: LeadershipOptions = { ...options, leases, host };
  const electionOf = (name: string) => leaderElection({ ...config, lease_name: name, identity }, shared);
  for (const name of isObservable(names) ? [] : names) electionOf(name); // an invalid name is a ConfigError now, not later
  const scheduler = options.scheduler ?? asyncScheduler;
  const logger = guardedLogger(options.logger ?? quietLogger);
  const key = JSON.stringify(['spread', host.origins.of(leases), leaseNamespace, group, identity]);
  let running = host.spreads.get(key) as RunningSpread | undefined;
  if (running === undefined) {
    const candidates = new Map<string, Candidate>();
    const stream = new Observable<ReadonlyMap<string, LeadershipTerm>>((subscriber) => {
      if (host.closed) {
        subscriber.error(new ElectionHostClosedError(`${leaseNamespace}/${group}-member-*`));
        return undefined;
      }
      const terms = new Map<string, LeadershipTerm>();
      const holders = new Map<string, string | null>();
      const watched = new Map<string, Subscription>();
      let current: readonly string[] = [];
      let members: readonly string[] = [identity];
      let published = '';
      let fleet: { readonly key: string; readonly membership: Subscription; readonly members: Subscription } | undefined;
      const fail = (error: unknown) => subscriber.error(error);

      const publish = () => {
        const snapshot = JSON.stringify([...terms].sort(([a], [b]) => (a < b ? -1 : 1)));
        if (snapshot === published) return;
        published = snapshot;
        subscriber.next(new Map(terms));
      };
      const start = (name: string) => {
        const election = electionOf(name);
        const candidate: Candidate = {
          election,
          subscription: election.term$.subscribe({
            next: (term) => {
              if (term) terms.set(name, term);
              else terms.delete(name);
              publish();
            },
            error: fail,
          }),
        };
        candidates.set(name, candidate);
      };
      // Hands the Lease over and leaves its election at once: the hand-over (the drain of its work,
      // then the release) goes on in the host, and a new run for that Lease waits for it.
      const leave = (name: string, candidate: Candidate) => {
        void candidate.election.handOver();
        candidate.subscription.unsubscribe();
        candidates.delete(name);
        terms.delete(name);
        publish();
      };
      const reconcile = () => {
        if (subscriber.closed) return;
        const assignment = balance({ names: current, members, holders });
        const mine = new Set(current.filter((name) => assignment.get(name) === identity));
        for (const name of mine) if (!candidates.has(name)) start(name);
        for (const [name, candidate] of [...candidates]) if (!mine.has(name)) leave(name, candidate);
      };
      // Replicas count each other only when they spread the same names: the membership Lease names
      // the set, so another application (or a version with other jobs) in the group is another fleet.
      const joinFleet = () => {
        const fleetKey = longHash([...current].sort().join('\u0000'));
        if (fleet?.key === fleetKey) return;
        fleet?.membership.unsubscribe();
        fleet?.members.unsubscribe();
        members = [identity];
        const prefix = `${group}-member-${fleetKey}-`;
        fleet = {
          key: fleetKey,
          membership: electionOf(`${prefix}${longHash(identity)}`).isLeader$.subscribe({ error: fail }),
          members: members$({
            leases, namespace: leaseNamespace, prefix, self: identity, scheduler,
            now: () => scheduler.now(), retryPeriod, random: options.random ?? Math.random, logger,
          }).subscribe({
            next: (live) => {
              members = live;
              reconcile();
            },
            error: fail,
          }),
        };
      };
      const follow = (list: readonly string[]) => {
        const next = [...new Set(list)];
        try {
          for (const name of next) if (!watched.has(name)) electionOf(name);
        } catch (error) {
          fail(error);
          return;
        }
        current = next;
        for (const [name, subscription] of watched) {
          if (current.includes(name)) continue;
          subscription.unsubscribe();
          watched.delete(name);
          holders.delete(name);
        }
        for (const name of current) {
          if (watched.has(name)) continue;
          holders.set(name, null);
          watched.set(name, electionOf(name).leader$.subscribe({
            next: (holder) => {
              holders.set(name, holder);
              reconcile();
            },
            error: fail,
          }));
        }
        joinFleet();
        reconcile();
      };

      const closing = host.closing$.subscribe(() => subscriber.complete());
      const namesSubscription = (isObservable(names) ? names : of(names)).subscribe({ next: follow, error: fail });
      publish();
      return () => {
        closing.unsubscribe();
        namesSubscription.unsubscribe();
        fleet?.members.unsubscribe();
        for (const subscription of watched.values()) subscription.unsubscribe();
        for (const candidate of candidates.values()) candidate.subscription.unsubscribe();
        candidates.clear();
        fleet?.membership.unsubscribe();
        if (host.spreads.get(key) === running) host.spreads.delete(key);
      };
    }).pipe(share({ connector: () => new ReplaySubject(1), resetOnError: true, resetOnRefCountZero: true }));
    running = { stream, candidates };
    host.spreads.set(key, running);
  }
  const { stream, candidates } = running;
  const link: SpreadLink = { termOf$: (name) => candidates.get(name)?.election.term$ };
  // Judged at delivery, as isLeader$ is: a subscriber that joins after a pause is not told of a Lease whose deadline passed.
  const current = (held: ReadonlyMap<string, LeadershipTerm>) => {
    const leading = [...held].filter(([name]) => candidates.get(name)?.election.isLeader() ?? false);
    return leading.length === held.size ? held : new Map(leading);
  };
  return spreadLinked(stream.pipe(map(current)), link);
}
