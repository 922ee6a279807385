// Scenario 11: graceful shutdown (SIGTERM handled by unsubscribing), with the API answering or hanging.
import { sleep, wallNow } from '../fleet.js';
import { rounds, type ScenarioDefinition } from '../scenario.js';
import { Stages } from './fleets.js';

/** A process that unsubscribed must be gone within this. */
export const exitLimitMs = 1000;

/** A graceful handover of ours: the release, then a watching follower's acquisition (about two round trips). */
const handoverLimitMs = 500;

export const gracefulShutdown: ScenarioDefinition = {
  id: 'graceful-shutdown',
  item: '11',
  title: 'Graceful shutdown: SIGTERM handled by unsubscribing',
  description: 'Ours run whileLeader work (reported started/stopped) and unsubscribe on SIGTERM, as the README shows; client-go\'s cancel their context (ReleaseOnCancel). Variants in turn: `sigterm` (the API answers) and `sigterm-while-api-hangs` (the leader\'s proxy blackholes traffic and a renewal is in flight when SIGTERM comes). handoverMs = SIGTERM → another leads; exitMs = SIGTERM → the process has exited. Checked for `sigterm`: ours hands over within 500 ms (client-go\'s followers poll: reported, not checked); the work stopped before the release was sent, the release was answered 200 and reached the Lease (holder "") before the next leader\'s record, exit code 0 within 1 s; for the hanging API: exit code 0 within 1 s; and no overlap.',
  fleets: ['rx-k8s-leader', 'client-go'],
  async run(run) {
    const { ms } = run.environment.timings;
    const stages = new Stages(run, run.admin, 'graceful', (implementation) => (implementation === 'rx-k8s-leader' ? ['-work=200'] : []));
    try {
      await rounds(run, 'graceful-shutdown', async (round) => {
        const hang = round.index % 2 === 1;
        round.variant = hang ? 'sigterm-while-api-hangs' : 'sigterm';
        const { fleet, log, leader } = await stages.stage(round);
        const rx = leader.implementation === 'rx-k8s-leader';
        await sleep(round.dice.between(0.2, 1.8) * ms.retryPeriod);
        if (hang) {
          const cutAt = wallNow();
          leader.proxy.blackhole();
          await fleet.nextEvent(leader, cutAt, (event) => event.event === 'request', 3 * ms.retryPeriod, 'a request into the blackhole');
          await sleep(round.dice.between(50, 400));
        }
        const termAt = leader.terminate();
        const exit = await fleet.whenExited(leader, 15_000);
        round.metric('exitMs', exit.at - termAt);
        if (exit.code !== 0 || exit.signal !== null) round.violation(leader.implementation, `${leader.identity} exited with code ${exit.code}, signal ${exit.signal} after SIGTERM`);
        if (exit.at - termAt > exitLimitMs) round.violation(leader.implementation, `${leader.identity} took ${(exit.at - termAt).toFixed(0)} ms to exit after SIGTERM${hang ? ' with the API hanging' : ''} (limit ${exitLimitMs} ms)`);
        const next = await fleet.nextLeader(termAt, 3 * ms.leaseDuration + 5 * ms.retryPeriod, [leader]);
        round.metric('handoverMs', next.at - termAt);
        // ours promises a handover within a round trip of the release (a watching follower); client-go's followers poll
        if (rx && !hang) round.deadline(leader.implementation, 'SIGTERM → next leader', next.at - termAt, handoverLimitMs, 0);
        if (!hang) {
          const release = log.between(termAt).find((record) => record.holder === '');
          const successor = log.between(termAt).find((record) => record.holder === next.member.identity);
          if (!release) round.violation(leader.implementation, `${leader.identity}'s release never reached the Lease`);
          else if (successor && successor.at < release.at) round.violation(leader.implementation, `${leader.identity}'s release landed after ${next.member.identity} took over`);
          if (rx) {
            const after = leader.eventsSince(termAt);
            const index = (predicate: (event: (typeof after)[number]) => boolean) => after.findIndex(predicate);
            const workStopped = index((event) => event.event === 'work-stopped');
            const releaseSent = index((event) => event.event === 'request' && event.detail?.holder === '');
            const releaseAnswered = after.find((event, position) => position > releaseSent && event.event === 'response' && event.detail?.verb === 'update');
            if (releaseSent < 0) round.violation(leader.implementation, `${leader.identity} sent no release`);
            else if (workStopped < 0 || workStopped > releaseSent) round.violation(leader.implementation, `${leader.identity} sent its release before its work stopped`);
            if (releaseSent >= 0 && Number(releaseAnswered?.detail?.status) !== 200) round.violation(leader.implementation, `${leader.identity}'s release was answered ${String(releaseAnswered?.detail?.status ?? 'never')}`);
            if (releaseSent >= 0 && workStopped >= 0) round.metric('workStoppedToReleaseMs', after[releaseSent]!.at - after[workStopped]!.at);
          }
        }
        await sleep(ms.retryPeriod);
        round.finish({ gapFrom: termAt });
        stages.retire(leader);
      }, async () => stages.close());
    } finally {
      await stages.close();
    }
  },
};
