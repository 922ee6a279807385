// Scenarios 1-4 (and 12, 13 through their fleets): SIGKILL, SIGSTOP, a partition, a slow API on
// the leader's connection.
import type { LeaseLog } from '../admin.js';
import { type Fleet, type Member, sleep, wallNow } from '../fleet.js';
import type { FleetKind } from '../results.js';
import { clockToleranceMs, rounds, type Round, type ScenarioDefinition, type ScenarioRun } from '../scenario.js';
import { Stages } from './fleets.js';

const allFleets = ['rx-k8s-leader', 'client-go', 'mixed'] as const;

/**
 * Nobody may take a lease over before it expired: the takeover must come at least
 * lease_duration after the old holder's last record reached the apiserver (as the admin's
 * watch saw it). Records the margin as `takeoverBeyondExpiryMs`.
 */
export function checkTakeover(round: Round, log: LeaseLog, oldLeader: Member, takeover: { member: Member; at: number }, leaseDurationMs: number): void {
  const last = log.records.filter((record) => record.holder === oldLeader.identity && record.at <= takeover.at).at(-1);
  if (!last) return;
  const margin = takeover.at - (last.at + leaseDurationMs);
  round.metric('takeoverBeyondExpiryMs', margin);
  if (margin < -clockToleranceMs) {
    round.violation(takeover.member.implementation, `${takeover.member.identity} took over ${(-margin).toFixed(0)} ms before ${oldLeader.identity}'s lease expired`);
  }
}

/**
 * Step-down after the last successful renewal, as the leader itself reported both. (Round.finish
 * checks every moment of leadership against renew_deadline, this one included.)
 */
export function stepDownAfterLastRenewal(leader: Member, stoppedAt: number): number | undefined {
  // (releases do not count: Member.lastSuccessfulWrite skips writes with holder "")
  const lastWrite = leader.lastSuccessfulWrite(stoppedAt);
  return lastWrite === undefined ? undefined : stoppedAt - lastWrite;
}

function faultScenario(id: string, item: string, title: string, description: string, body: (round: Round, stages: Stages, run: ScenarioRun) => Promise<void>, fleets: readonly FleetKind[] = allFleets): ScenarioDefinition {
  return {
    id, item, title, description, fleets,
    async run(run) {
      const stages = new Stages(run, run.admin, id);
      try {
        await rounds(run, id, async (round) => body(round, stages, run), async () => stages.close());
      } finally {
        await stages.close();
      }
    },
  };
}

/** "At once" after SIGCONT: the resumed process's first timers, on a loaded 2-core machine. */
const resumeLimitMs = 200;

const phase = (round: Round, retryPeriodMs: number) => sleep(round.dice.between(0.2, 1.8) * retryPeriodMs);

export const sigkill = faultScenario('sigkill', '1', 'SIGKILL the leader',
  'The leader is killed at a random phase of its renewal cycle. Leaderless gap = kill → next leader. Checked: no overlap; nobody takes over before the lease expires (lease_duration after the last record reached the apiserver).',
  async (round, stages, run) => {
    const { ms } = run.environment.timings;
    const { fleet, log, leader } = await stages.stage(round);
    round.victim ??= run.fleet === 'mixed' ? leader.implementation : undefined;
    await phase(round, ms.retryPeriod);
    const killAt = await leader.kill();
    const next = await fleet.nextLeader(killAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
    round.metric('failoverMs', next.at - killAt);
    checkTakeover(round, log, leader, next, ms.leaseDuration);
    await sleep(ms.retryPeriod);
    round.finish({ gapFrom: killAt });
    stages.retire(leader);
  });

export const sigstop = faultScenario('sigstop', '2', 'SIGSTOP the leader longer than lease_duration, then SIGCONT',
  `The leader is frozen for lease_duration + 1..3.5 s; another takes over meanwhile. Step-down = SIGCONT → the old leader says false. Checked: it says false at once (within ${resumeLimitMs} ms of SIGCONT) and before it sends any request (its own request lines, and the first byte its proxy sees); no overlap (a frozen process counts as leading again from its first act after SIGCONT).`,
  async (round, stages, run) => {
    const { ms } = run.environment.timings;
    const { fleet, log, leader } = await stages.stage(round);
    round.victim ??= run.fleet === 'mixed' ? leader.implementation : undefined;
    await phase(round, ms.retryPeriod);
    const stopAt = leader.freeze();
    const frozenFor = round.dice.between(ms.leaseDuration + 1000, ms.leaseDuration + 3500);
    const next = await fleet.nextLeader(stopAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
    checkTakeover(round, log, leader, next, ms.leaseDuration);
    await sleep(stopAt + frozenFor - wallNow());
    const contAt = leader.thaw();
    round.metric('frozenMs', contAt - stopAt);
    // a frozen process does nothing: whatever it reports after the SIGSTOP comes after the SIGCONT
    // (searching from contAt would depend on two processes' clocks agreeing to the microsecond)
    const stopped = await fleet.nextEvent(leader, stopAt, (event) => event.event === 'stopped-leading', 3 * ms.leaseDuration + 5000, 'false after SIGCONT');
    round.stepDownMs = Math.max(0, stopped.at - contAt);
    round.deadline(leader.implementation, `SIGCONT → false`, round.stepDownMs, resumeLimitMs, 0);
    const firstRequest = leader.eventsSince(stopAt, (event) => event.event === 'request')[0];
    if (firstRequest) round.metric('firstRequestAfterResumeMs', Math.max(0, firstRequest.at - contAt));
    if (firstRequest && firstRequest.at < stopped.at) {
      round.violation(leader.implementation, `${leader.identity} sent a ${String(firstRequest.detail?.verb)} ${(firstRequest.at - contAt).toFixed(1)} ms after SIGCONT, before saying false (${round.stepDownMs.toFixed(1)} ms)`);
    }
    const firstByte = leader.sent.find((at) => at >= contAt); // the proxy is in this process: one clock
    if (firstByte !== undefined && firstByte < stopped.at - 1 && !(firstRequest && firstRequest.at < stopped.at)) {
      round.violation(leader.implementation, `${leader.identity}'s proxy got bytes ${(firstByte - contAt).toFixed(1)} ms after SIGCONT, before it said false (${round.stepDownMs.toFixed(1)} ms)`);
    }
    await sleep(ms.retryPeriod);
    round.finish({ gapFrom: stopAt });
  });

export const partition = faultScenario('partition', '3', 'Partition the leader (blackhole: drop silently, no RST)',
  'The leader\'s proxy blackholes its traffic, in turn: `blackhole` drops it (connections stay dead after the heal) or `hold` keeps it in flight (TCP retransmitting; delivered after the heal). Step-down = last successful renewal → false, checked against renew_deadline. Healed 0.1..3 s after another candidate took over (the window in which client-go\'s ex-leader runs its release), then watched for 2 × renew_deadline + 1 s: the ex-leader must not clear or overwrite the new leader\'s lease.',
  async (round, stages, run) => {
    const { ms } = run.environment.timings;
    const { fleet, log, leader } = await stages.stage(round);
    round.victim ??= run.fleet === 'mixed' ? leader.implementation : undefined;
    const mode = round.index % 2 === 0 ? 'blackhole' : 'hold';
    round.variant = mode;
    await phase(round, ms.retryPeriod);
    const cutAt = wallNow();
    leader.proxy[mode]();
    const healAfterTakeover = round.dice.between(100, 3000);
    const next = await fleet.nextLeader(cutAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
    round.metric('takeoverAfterCutMs', next.at - cutAt);
    checkTakeover(round, log, leader, next, ms.leaseDuration);
    // healed relative to the takeover, whether or not the ex-leader has said false yet (client-go's may still be releasing)
    await sleep(next.at + healAfterTakeover - wallNow());
    const healAt = wallNow();
    leader.proxy.heal();
    round.metric('healAfterTakeoverMs', healAt - next.at);
    const stopped = await fleet.nextEvent(leader, cutAt, (event) => event.event === 'stopped-leading', 4 * ms.leaseDuration + 5000, 'false after the cut');
    round.stepDownMs = stepDownAfterLastRenewal(leader, stopped.at);
    round.metric('healBeforeStepDownMs', Math.max(0, stopped.at - healAt));
    await sleep(2 * ms.renewDeadline + 1000);
    checkNotCleared(round, fleet, log, leader, next.member, next.at);
    const conflicts = leader.responses(healAt, wallNow()).filter((response) => response.status === 409).length;
    round.metric('exLeaderConflictsAfterHeal', conflicts);
    round.finish({ gapFrom: cutAt });
    stages.retire(leader);
  });

/** After `since`, while `successor` says it leads, every record of the Lease must be its own. */
function checkNotCleared(round: Round, fleet: Fleet, log: LeaseLog, exLeader: Member, successor: Member, since: number): void {
  const stoppedAt = successor.events.find((event) => event.at >= since && event.event === 'stopped-leading')?.at ?? Infinity;
  for (const record of log.between(since, stoppedAt)) {
    if (record.holder === successor.identity) continue;
    if (record.type === 'DELETED') continue;
    const writer = record.holder === '' ? `a release (holder "")` : `holder ${JSON.stringify(record.holder)}`;
    round.violation(exLeader.implementation, `the new leader ${successor.identity}'s lease was overwritten with ${writer} while it led (after ${exLeader.identity}'s partition healed)`);
    return;
  }
  if (!successor.leading && stoppedAt === Infinity) round.note(`${successor.identity} no longer leads at the end of the round`);
  void fleet;
}

export const slowApi = faultScenario('slow-api', '4', 'Slow API: latency above retry_period on the leader\'s connection',
  'Every chunk to and from the leader is delayed 0.55..1.6 × retry_period (+ up to 10 % jitter) each way for 2..3 × lease_duration. Variants by the round trip: under renew_deadline/2, between renew_deadline/2 and renew_deadline, over renew_deadline (ours renews one write at a time and counts its deadline from the send of the last successful one, so it can keep the lease only while a round trip takes under renew_deadline/2 once it exceeds retry_period). Checked: no overlap; a step-down (if any) within renew_deadline of the last successful renewal; nobody takes over before expiry.',
  async (round, stages, run) => {
    const { ms } = run.environment.timings;
    const { fleet, log, leader } = await stages.stage(round);
    round.victim ??= run.fleet === 'mixed' ? leader.implementation : undefined;
    const oneWay = round.dice.between(0.55, 1.6) * ms.retryPeriod;
    const roundTrip = 2 * oneWay;
    round.variant = roundTrip < ms.renewDeadline / 2 ? 'round trip < renew_deadline/2' : roundTrip < ms.renewDeadline ? 'renew_deadline/2 < round trip < renew_deadline' : 'round trip > renew_deadline';
    round.metric('oneWayDelayMs', oneWay);
    await phase(round, ms.retryPeriod);
    const slowAt = wallNow();
    leader.proxy.delay(oneWay, 0.1 * ms.retryPeriod);
    await sleep(round.dice.between(2 * ms.leaseDuration, 3 * ms.leaseDuration));
    const healAt = wallNow();
    leader.proxy.heal();
    const renewals = leader.responses(slowAt, healAt).filter((response) => response.verb === 'update' && response.status >= 200 && response.status < 300).length;
    round.metric('renewalsWhileSlow', renewals);
    const stepDowns = leader.eventsSince(slowAt, (event) => event.event === 'stopped-leading' && event.at <= healAt);
    round.metric('stepDownsWhileSlow', stepDowns.length);
    if (stepDowns[0]) round.stepDownMs = stepDownAfterLastRenewal(leader, stepDowns[0].at);
    const other = fleet.members.find((member) => member !== leader && member.events.some((event) => event.event === 'started-leading' && event.at >= slowAt));
    if (other) {
      const started = other.events.find((event) => event.event === 'started-leading' && event.at >= slowAt)!;
      checkTakeover(round, log, leader, { member: other, at: started.at }, ms.leaseDuration);
    }
    await fleet.leader(3 * ms.leaseDuration + 5 * ms.retryPeriod);
    await sleep(ms.retryPeriod);
    round.finish({ gapFrom: slowAt });
  }, ['rx-k8s-leader', 'client-go']);
