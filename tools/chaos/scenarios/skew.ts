// Scenario 8: candidates whose wall clocks disagree by minutes.
import { sleep, wallNow } from '../fleet.js';
import { formatGoDuration } from '../random.js';
import { parseMicro } from '../micro-time.js';
import { clockToleranceMs, rounds, type ScenarioDefinition } from '../scenario.js';
import { checkTakeover } from './faults.js';
import { Stages } from './fleets.js';

const faults = ['sigkill', 'partition', 'sigterm'] as const;

export const clockSkew: ScenarioDefinition = {
  id: 'clock-skew',
  item: '8',
  title: 'Candidates whose wall clocks disagree by minutes',
  description: 'Every candidate writes its times shifted by its own offset, 1..10 minutes ahead or behind (ours: Date.now shifted in the process by `-clock-offset`; client-go\'s: renewTime/acquireTime shifted by the same flag on its lock). Faults in turn on the leader: `sigkill`, `partition` (blackhole), `sigterm` (release). Checked: no overlap; after a kill or partition the takeover comes lease_duration after the last record reached the apiserver, neither before (an ahead clock judging renewTime) nor minutes after (a behind one): within [−50 ms, +2.2 × retry_period + 1.5 s]; the offsets really were written (renewTime − send time ≈ offset).',
  fleets: ['rx-k8s-leader', 'mixed'],
  async run(run) {
    const { ms } = run.environment.timings;
    const offsets = new Map<string, number>();
    const stages = new Stages(run, run.admin, 'skew', (_implementation, round, identity) => {
      const offset = (round.dice.chance(0.5) ? -1 : 1) * Math.round(round.dice.between(60_000, 600_000));
      offsets.set(identity, offset);
      return [`-clock-offset=${formatGoDuration(offset)}`];
    });
    try {
      await rounds(run, 'clock-skew', async (round) => {
        const fault = faults[round.index % faults.length]!;
        round.variant = fault;
        const { fleet, log, leader } = await stages.stage(round);
        round.victim ??= run.fleet === 'mixed' ? leader.implementation : undefined;
        round.metric('leaderOffsetMinutes', (offsets.get(leader.identity) ?? 0) / 60_000);
        await sleep(round.dice.between(0.2, 1.8) * ms.retryPeriod);
        const faultAt = wallNow();
        // the offsets really were written: renewTime minus the send time of the write that carried it
        const writes = leader.events.filter((event) => event.event === 'request' && event.detail?.verb === 'update' && event.at < faultAt);
        const record = log.records.filter((each) => each.holder === leader.identity && each.renewTime && each.at < faultAt).at(-1);
        if (record?.renewTime) {
          const sent = writes.filter((event) => event.at <= record.at).at(-1);
          if (sent) {
            const written = parseMicro(record.renewTime) - sent.at;
            const error = Math.abs(written - (offsets.get(leader.identity) ?? 0));
            round.metric('writtenOffsetErrorMs', error);
            if (error > 1000) round.error(`${leader.identity} wrote renewTime ${(written / 60_000).toFixed(2)} min off, not its ${((offsets.get(leader.identity) ?? 0) / 60_000).toFixed(2)} min`);
          }
        }
        if (fault === 'sigterm') {
          leader.terminate();
          const next = await fleet.nextLeader(faultAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
          round.metric('handoverMs', next.at - faultAt);
        } else {
          if (fault === 'sigkill') await leader.kill();
          else leader.proxy.blackhole();
          const next = await fleet.nextLeader(faultAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
          checkTakeover(round, log, leader, next, ms.leaseDuration);
          const last = log.records.filter((each) => each.holder === leader.identity && each.at <= next.at).at(-1);
          if (last) {
            const beyond = next.at - (last.at + ms.leaseDuration);
            const bound = 2.2 * ms.retryPeriod + 1500;
            if (beyond > bound) round.violation(next.member.implementation, `${next.member.identity} took over ${beyond.toFixed(0)} ms after the lease expired (bound ${bound} ms): expiry judged by a wall clock?`);
            if (beyond < -clockToleranceMs) round.note('early takeover (recorded as a violation by the takeover check)');
          }
          if (fault === 'partition') await fleet.nextEvent(leader, faultAt, (event) => event.event === 'stopped-leading', 4 * ms.leaseDuration + 5000, 'false after the cut');
        }
        await sleep(ms.retryPeriod);
        round.finish({ gapFrom: faultAt });
        stages.retire(leader);
      }, async () => stages.close());
    } finally {
      await stages.close();
    }
  },
};
