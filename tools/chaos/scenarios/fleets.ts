// Fleets the fault scenarios run on: a persistent fleet of one implementation whose victims are
// replaced, or for mixed fleets a fresh one per round in which the chosen implementation leads.
import { LeaseLog, type Admin } from '../admin.js';
import { Fleet, type Member } from '../fleet.js';
import { composition, prefixOf, type Round, type ScenarioRun } from '../scenario.js';
import type { Implementation } from '../timeline.js';

export interface Stage {
  readonly fleet: Fleet;
  readonly log: LeaseLog;
  readonly leader: Member;
}

const leaseSuffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

/** Each of `members` leads or has had an answer from the apiserver (so it has seen the leader's record). */
export async function settled(fleet: Fleet, members: readonly Member[], limit: number): Promise<void> {
  await fleet.waitFor(() => (members.every((member) => !member.alive || member.leading || member.events.some((event) => event.event === 'response' && Number(event.detail?.status) === 200))
    ? true : undefined), limit, 'the new members to have an answer from the apiserver');
}

export class Stages {
  private current: Stage | undefined;
  private generation = 0;
  /** Victims of the last round, replaced at the start of the next. */
  private readonly retired: Member[] = [];

  constructor(private readonly run: ScenarioRun, private readonly admin: Admin, private readonly scenario: string, private readonly extraArgs: (implementation: Implementation, round: Round, identity: string) => readonly string[] = () => []) {}

  private get limit(): number {
    const { ms } = this.run.environment.timings;
    return 3 * ms.leaseDuration + 5 * ms.retryPeriod + 5000;
  }

  /**
   * A fleet with a leader, ready for a fault: the persistent one (rebuilt if it has no single
   * leader in time), or for mixed fleets a fresh one in which `victim` leads.
   */
  async stage(round: Round): Promise<Stage> {
    if (this.run.fleet === 'mixed') {
      await this.close();
      const victim: Implementation = round.index % 2 === 0 ? 'rx-k8s-leader' : 'client-go';
      round.victim = victim;
      const stage = await this.build([victim, ...composition('mixed').filter((implementation, index) => index !== composition('mixed').indexOf(victim))], round);
      this.current = stage;
      return stage;
    }
    // the fleet is checked from the end of the last round on: whatever it does between rounds
    // (a crash, two leaders, no leader) counts in this one
    if (this.current) round.watchFleet(this.current.fleet);
    if (this.current && this.retired.length > 0) {
      const fleet = this.current.fleet;
      const fresh = await Promise.all(this.retired.splice(0).map(async (member) => {
        if (member.alive) await member.kill();
        await member.proxy.close();
        return this.add(fleet, member.implementation, round);
      }));
      await settled(fleet, fresh, this.limit);
      round.watchFleet(fleet);
    }
    if (this.current) {
      const fleet = this.current.fleet;
      try {
        const leader = await fleet.leader(this.limit);
        if (fleet.live.length >= composition(this.run.fleet).length) return { ...this.current, leader };
        round.error(`${composition(this.run.fleet).length - fleet.live.length} member(s) of the fleet died between rounds: rebuilt`);
      } catch {
        // one of them must lead within `limit` of the round's start; two leaders are overlaps, found by Round.finish
        if (fleet.leaders.length === 0) round.violation(this.run.fleet as Implementation, `no leader within ${this.limit} ms of the round's start (live: ${fleet.live.map((member) => member.identity).join(', ')}): fleet rebuilt`);
        else round.note(`${fleet.leaders.length} members said they led at the start of the round: fleet rebuilt`);
      }
      await this.close();
    }
    this.current = await this.build(composition(this.run.fleet), round);
    return this.current;
  }

  /** Starts `implementations[0]` first and waits for it to lead, then the rest. */
  private async build(implementations: readonly Implementation[], round: Round): Promise<Stage> {
    const leaseName = `chaos-${this.scenario}-${prefixOf(implementations[0]!)}-${++this.generation}-${leaseSuffix()}`;
    const fleet = new Fleet(this.run.environment, leaseName);
    const log = new LeaseLog(this.admin, fleet.namespace, leaseName);
    try {
      const first = await this.add(fleet, implementations[0]!, round);
      await fleet.nextLeader(0, this.limit);
      const others = await Promise.all(implementations.slice(1).map((implementation) => this.add(fleet, implementation, round)));
      await settled(fleet, others, this.limit);
      round.watchFleet(fleet);
      return { fleet, log, leader: first.leading ? first : await fleet.leader(this.limit) };
    } catch (error) {
      log.close();
      await fleet.close();
      throw error;
    }
  }

  add(fleet: Fleet, implementation: Implementation, round: Round): Promise<Member> {
    const identity = fleet.nextIdentity(prefixOf(implementation));
    return fleet.add({ implementation, identity, seed: round.dice.integer(0, 2 ** 31), extraArgs: this.extraArgs(implementation, round, identity) });
  }

  /**
   * Replaces `member` (killed, exited, or partitioned and left with dead connections) by a fresh
   * one of its kind, at the start of the next round.
   */
  retire(member: Member): void {
    if (this.current && this.run.fleet !== 'mixed') this.retired.push(member);
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    this.retired.length = 0;
    if (!current) return;
    current.log.close();
    await current.fleet.close();
  }
}
