// Scenario 5: kube-apiserver stopped and restarted (etcd keeps its data); etcd stopped or frozen
// for longer than renew_deadline while the apiserver stays up.
import { sleep, wallNow } from '../fleet.js';
import { rounds, type ScenarioDefinition } from '../scenario.js';
import { stepDownAfterLastRenewal } from './faults.js';
import { Stages } from './fleets.js';

const variants = ['apiserver-restart', 'etcd-stop', 'apiserver-crash', 'etcd-freeze'] as const;

export const controlPlaneOutage: ScenarioDefinition = {
  id: 'control-plane-outage',
  item: '5',
  title: 'kube-apiserver stopped and restarted; etcd stopped or frozen while the apiserver stays up',
  description: 'Variants in turn: `apiserver-restart` (SIGTERM, down 0.5..3 s plus its start-up), `etcd-stop` (SIGTERM, restarted on its data after renew_deadline + 1 s .. lease_duration + 3 s), `apiserver-crash` (SIGKILL), `etcd-freeze` (SIGSTOP: the apiserver\'s requests to etcd hang). Step-down = last successful renewal → false. Checked: no overlap; every moment of leadership backed by a renewal sent within renew_deadline; a leader again after recovery (resumeMs = recovered → the first renewal or acquisition answered after it).',
  fleets: ['rx-k8s-leader', 'client-go'],
  ownControlPlane: true,
  async run(run) {
    const { controlPlane } = run.environment;
    const { ms } = run.environment.timings;
    const stages = new Stages(run, run.admin, 'outage');
    try {
      await rounds(run, 'control-plane-outage', async (round) => {
        const variant = variants[round.index % variants.length]!;
        round.variant = variant;
        const { fleet, leader } = await stages.stage(round);
        await sleep(round.dice.between(0.2, 1.8) * ms.retryPeriod);
        const outAt = wallNow();
        if (variant === 'apiserver-restart' || variant === 'apiserver-crash') {
          await controlPlane.stopApiserver({ kill: variant === 'apiserver-crash' });
          round.metric('apiserverStopMs', wallNow() - outAt);
          await sleep(round.dice.between(500, 3000));
          await controlPlane.startApiserver();
        } else {
          const outage = round.dice.between(ms.renewDeadline + 1000, ms.leaseDuration + 3000);
          if (variant === 'etcd-stop') await controlPlane.stopEtcd();
          else controlPlane.pauseEtcd();
          await sleep(outAt + outage - wallNow());
          if (variant === 'etcd-stop') await controlPlane.startEtcd();
          else controlPlane.resumeEtcd();
        }
        const recoveredAt = wallNow();
        round.metric('outageMs', recoveredAt - outAt);
        const statuses = new Map<number, number>();
        for (const member of fleet.members) {
          for (const response of member.responses(outAt, recoveredAt)) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
        round.note(`answers during the outage: ${[...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status === 0 ? 'none' : status}×${count}`).join(', ') || 'none'}`);
        const resumed = await fleet.waitFor(() => {
          // the first write answered after recovery by a candidate that leads on it
          for (const member of fleet.members) {
            const answered = member.events.find((event) => event.at >= recoveredAt && event.event === 'response'
              && (event.detail?.verb === 'update' || event.detail?.verb === 'create') && Number(event.detail?.status) >= 200 && Number(event.detail?.status) < 300);
            if (answered && member.leading) return answered;
          }
          return undefined;
        }, 3 * ms.leaseDuration + 5 * ms.retryPeriod + 30_000, 'a leader renewing after recovery');
        round.metric('resumeMs', resumed.at - recoveredAt);
        await sleep(ms.retryPeriod);
        const stopped = leader.events.find((event) => event.at >= outAt && event.event === 'stopped-leading');
        if (stopped) round.stepDownMs = stepDownAfterLastRenewal(leader, stopped.at);
        else round.note('the leader never stepped down (a renewal succeeded within renew_deadline)');
        round.finish({ gapFrom: outAt });
      }, async () => {
        await stages.close();
        controlPlane.resumeEtcd();
        await controlPlane.startEtcd().catch(() => undefined);
        await controlPlane.startApiserver().catch(() => undefined);
      });
    } finally {
      await stages.close();
    }
  },
};
