// Scenario 6: twenty candidates started at one instant (a conflict storm).
import { leasePath } from '../admin.js';
import { sleep, wallNow } from '../fleet.js';
import { freshFleetRounds } from '../fresh-fleet.js';
import { formatMicro } from '../micro-time.js';
import { prefixOf, type ScenarioDefinition } from '../scenario.js';
import type { Implementation } from '../timeline.js';

const variants = ['absent', 'released', 'expired'] as const;
export const stormSize = 20;

export const conflictStorm: ScenarioDefinition = {
  id: 'conflict-storm',
  item: '6',
  title: `${stormSize} candidates started at once (conflict storm)`,
  description: `${stormSize} processes are started and wait for SIGUSR2 (ours with \`-lean-kubeconfig\`, so that twenty start in seconds on two cores; the election code is the same); all get it at one instant. Variants in turn: the Lease \`absent\` (everyone creates), \`released\` (holder "", everyone updates at once), \`expired\` (held by a dead holder: everyone waits lease_duration from its first sight, then updates). timeToLeaderMs = signal → first leader. Then the leader is SIGKILLed and the other ${stormSize - 1} contend again (gap = kill → next leader). 409s are counted from the candidates' own reports of every API answer. Checked: no overlap; a leader within lease_duration (2 × lease_duration + retry_period for \`expired\`).`,
  fleets: ['rx-k8s-leader', 'client-go'],
  async run(run) {
    const { ms } = run.environment.timings;
    const implementation = run.fleet as Implementation;
    await freshFleetRounds(run, 'conflict-storm', async (round, fleetOn) => {
      const variant = variants[round.index % variants.length]!;
      round.variant = variant;
      const leaseName = `chaos-storm-${prefixOf(implementation)}-${round.index}-${Date.now().toString(36)}`;
      if (variant !== 'absent') {
        const now = formatMicro(wallNow());
        await run.admin.must('POST', leasePath('default'), {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName, namespace: 'default' },
          spec: variant === 'released'
            ? { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 7 }
            : { holderIdentity: 'long-gone', leaseDurationSeconds: ms.leaseDuration / 1000, acquireTime: now, renewTime: now, leaseTransitions: 7 },
        });
      }
      const fleet = fleetOn(leaseName);
      const spawnAt = wallNow();
      const members = await Promise.all(Array.from({ length: stormSize }, () => fleet!.add({
        implementation, identity: fleet!.nextIdentity(prefixOf(implementation)), seed: round.dice.integer(0, 2 ** 31), extraArgs: ['-start-on-sigusr2', ...(implementation === 'rx-k8s-leader' ? ['-lean-kubeconfig'] : [])],
      })));
      round.metric('spawnMs', wallNow() - spawnAt);
      round.watchFleet(fleet);
      const goAt = wallNow();
      for (const member of members) member.candidate.signal('SIGUSR2');
      const first = await fleet.nextLeader(goAt, 3 * ms.leaseDuration + 10 * ms.retryPeriod);
      round.metric('timeToLeaderMs', first.at - goAt);
      // one leader quickly: within lease_duration, or (an unexpired holder) once its lease has expired
      round.deadline(implementation, 'signal → a leader', first.at - goAt, variant === 'expired' ? 2 * ms.leaseDuration + ms.retryPeriod : ms.leaseDuration, 0);
      await sleep(2 * ms.retryPeriod);
      const countConflicts = (from: number, to: number) => members.reduce((sum, member) => sum + member.responses(from, to).filter((response) => response.status === 409).length, 0);
      const countRequests = (from: number, to: number) => members.reduce((sum, member) => sum + member.responses(from, to).length, 0);
      const settledAt = wallNow();
      round.metric('conflicts409', countConflicts(goAt, settledAt));
      round.metric('requests', countRequests(goAt, settledAt));
      const killAt = await first.member.kill();
      const next = await fleet.nextLeader(killAt, 3 * ms.leaseDuration + 10 * ms.retryPeriod, [first.member]);
      round.metric('failoverMs', next.at - killAt);
      await sleep(ms.retryPeriod);
      round.metric('conflicts409AfterKill', countConflicts(killAt, wallNow()));
      round.finish({ gapFrom: killAt });
    });
  },
};
