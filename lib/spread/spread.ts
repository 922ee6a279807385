import { Observable, ReplaySubject, asyncScheduler, isObservable, of, share, type Subscription } from 'rxjs';
import type { LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import { guardedLogger, quietLogger } from '../diagnostics/logger.js';
import type { LeadershipTerm } from '../election/candidate-status.js';
import { ConfigError } from '../errors/config-error.js';
import { defaultElectionHost } from '../host/default-host.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import { leaderElection, type LeaderElection, type LeadershipOptions } from '../streams/leader-election.js';
import { balance, fnv1a } from './balance.js';
import { members$ } from './membership.js';
import { spreadLinked, type SpreadLink } from './spread-link.js';

/** The config of a spread: a `leadership$` config without `lease_name` (the names come apart). */
export type SpreadInput = Omit<LeaderElectionInput, 'lease_name' | 'leaseName'>;

/** How a spread runs: as `leadership$`'s options, and the group its replicas share. */
export interface SpreadOptions extends LeadershipOptions {
  /**
   * Names the spread: the replicas of one spread use one group; its membership Leases are named
   * `<group>-member-<hash of the identity>`. A DNS label of at most 40 characters; default `rx-spread`.
   */
  readonly group?: string;
}

const groupPattern = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

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
 * subscriber's `names` are the spread's); later subscribers get the current map at once; the last
 * unsubscribe releases what it holds and leaves the group.
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
  const memberName = `${group}-member-${fnv1a(identity).toString(36)}`;
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
      const terms = new Map<string, LeadershipTerm>();
      const holders = new Map<string, string | null>();
      const watched = new Map<string, Subscription>();
      let current: readonly string[] = [];
      let members: readonly string[] = [identity];
      let published = '';

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
          subscription: election.term$.subscribe((term) => {
            if (term) terms.set(name, term);
            else terms.delete(name);
            publish();
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
      const follow = (list: readonly string[]) => {
        current = [...new Set(list)];
        for (const [name, subscription] of watched) {
          if (current.includes(name)) continue;
          subscription.unsubscribe();
          watched.delete(name);
          holders.delete(name);
        }
        for (const name of current) {
          if (watched.has(name)) continue;
          holders.set(name, null);
          watched.set(name, electionOf(name).leader$.subscribe((holder) => {
            holders.set(name, holder);
            reconcile();
          }));
        }
        reconcile();
      };

      const membership = electionOf(memberName).isLeader$.subscribe();
      const membersSubscription = members$({
        leases, namespace: leaseNamespace, prefix: `${group}-member-`, self: identity, scheduler,
        now: () => scheduler.now(), retryPeriod, random: options.random ?? Math.random, logger,
      }).subscribe((live) => {
        members = live;
        reconcile();
      });
      const namesSubscription = (isObservable(names) ? names : of(names)).subscribe({ next: follow, error: (error: unknown) => subscriber.error(error) });
      publish();
      return () => {
        namesSubscription.unsubscribe();
        membersSubscription.unsubscribe();
        for (const subscription of watched.values()) subscription.unsubscribe();
        for (const candidate of candidates.values()) candidate.subscription.unsubscribe();
        candidates.clear();
        membership.unsubscribe();
      };
    }).pipe(share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true }));
    running = { stream, candidates };
    host.spreads.set(key, running);
  }
  const { stream, candidates } = running;
  const link: SpreadLink = { termOf$: (name) => candidates.get(name)?.election.term$ };
  return spreadLinked(stream, link);
}
