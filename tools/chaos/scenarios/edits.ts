// Scenario 7: the Lease edited by hand while held.
import { leasePath } from '../admin.js';
import { sleep, wallNow } from '../fleet.js';
import { clockToleranceMs, rounds, type ScenarioDefinition } from '../scenario.js';
import { Stages } from './fleets.js';

const variants = ['holder-to-stranger', 'holder-to-follower', 'deleted', 'duration-shrunk', 'duration-grown'] as const;

export const handEdits: ScenarioDefinition = {
  id: 'hand-edits',
  item: '7',
  title: 'The Lease edited by hand while held',
  description: 'While a leader renews, the admin (get + conditional replace, again on conflict) changes the Lease. Variants in turn: `holder-to-stranger` (holderIdentity "intruder", who never renews: the leader must say false, and nobody may take the lease before it expires), `holder-to-follower` (handed to a live follower: it takes the lease, the leader says false), `deleted` (the leader says false; someone creates it anew), `duration-shrunk` (leaseDurationSeconds 2) and `duration-grown` (60): the leader keeps leading and writes its own lease_duration back at its next renewal; nobody else leads. Step-down = the edit sent → the leader says false. Checked: no overlap; step-down by renew_deadline; the stream alternates true/false and never errors.',
  fleets: ['rx-k8s-leader', 'client-go'],
  async run(run) {
    const { ms } = run.environment.timings;
    const stages = new Stages(run, run.admin, 'edit');
    try {
      await rounds(run, 'hand-edits', async (round) => {
        const variant = variants[round.index % variants.length]!;
        round.variant = variant;
        const { fleet, log, leader } = await stages.stage(round);
        await sleep(round.dice.between(0.2, 1.8) * ms.retryPeriod);
        const { namespace, leaseName } = fleet;
        const follower = fleet.live.find((member) => member !== leader)!;
        const sentAt = wallNow();
        let landedBy: number;
        if (variant === 'deleted') {
          landedBy = (await run.admin.must('DELETE', leasePath(namespace, leaseName))).at;
        } else {
          landedBy = (await run.admin.editLease(namespace, leaseName, (lease) => {
            if (variant === 'holder-to-stranger') lease.spec.holderIdentity = 'intruder';
            if (variant === 'holder-to-follower') lease.spec.holderIdentity = follower.identity;
            if (variant === 'duration-shrunk') lease.spec.leaseDurationSeconds = 2;
            if (variant === 'duration-grown') lease.spec.leaseDurationSeconds = 60;
            return lease;
          })).at;
        }
        round.metric('editMs', landedBy - sentAt);
        if (variant === 'duration-shrunk' || variant === 'duration-grown') {
          // the leader keeps leading and restores its lease_duration; nobody else leads
          const own = ms.leaseDuration / 1000;
          // re-checked at every reported event (the leader reports each renewal)
          const restored = await fleet.waitFor(() => {
            const records = log.between(sentAt);
            const edited = records.findIndex((record) => record.leaseDurationSeconds !== own);
            return edited < 0 ? undefined : records.slice(edited + 1).find((record) => record.holder === leader.identity && record.leaseDurationSeconds === own);
          }, ms.renewDeadline + 2000, 'the leader\'s lease_duration written back').catch(() => undefined);
          if (restored) round.metric('restoredMs', restored.at - sentAt);
          else round.violation(leader.implementation, `${leader.identity} did not write its lease_duration back within renew_deadline + 2 s`);
          await sleep(2 * ms.leaseDuration);
          const stopped = leader.eventsSince(sentAt, (event) => event.event === 'stopped-leading')[0];
          if (stopped) round.violation(leader.implementation, `${leader.identity} stopped leading ${(stopped.at - sentAt).toFixed(0)} ms after its lease_duration was edited, though it still held the lease`);
          const other = fleet.members.find((member) => member !== leader && member.eventsSince(sentAt, (event) => event.event === 'started-leading').length > 0);
          if (other) round.violation(other.implementation, `${other.identity} took over a lease that was held and renewed (its leaseDurationSeconds edited to ${variant === 'duration-shrunk' ? 2 : 60})`);
          round.finish();
          return;
        }
        const stopped = await fleet.nextEvent(leader, sentAt, (event) => event.event === 'stopped-leading', ms.renewDeadline + 5000, 'false after the edit');
        round.stepDownMs = stopped.at - sentAt;
        round.deadline(leader.implementation, `${leader.identity} said false after the lease was ${variant === 'deleted' ? 'deleted' : 'given to another'}`, round.stepDownMs, ms.renewDeadline);
        const next = await fleet.nextLeader(sentAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod);
        round.metric('nextLeaderMs', next.at - sentAt);
        if (variant === 'holder-to-stranger' && next.at < sentAt + ms.leaseDuration - clockToleranceMs) {
          round.violation(next.member.implementation, `${next.member.identity} took the stranger's lease ${(sentAt + ms.leaseDuration - next.at).toFixed(0)} ms before it could have expired`);
        }
        if (variant === 'holder-to-follower' && next.member !== follower) round.note(`the lease handed to ${follower.identity} was led next by ${next.member.identity}`);
        if (variant === 'deleted') {
          const recreated = log.between(landedBy).find((record) => record.type === 'ADDED');
          if (recreated) round.metric('recreatedTransitions', recreated.leaseTransitions ?? -1);
        }
        await sleep(ms.retryPeriod);
        round.finish({ gapFrom: sentAt });
      }, async () => stages.close());
    } finally {
      await stages.close();
    }
  },
};
