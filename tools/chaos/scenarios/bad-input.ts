// Bad input: malformed Lease objects on the server; and after the last unsubscribe, nothing left
// that keeps a process alive.
import { leasePath } from '../admin.js';
import { type Member, wallNow } from '../fleet.js';
import { freshFleetRounds } from '../fresh-fleet.js';
import { formatMicro } from '../micro-time.js';
import { clockToleranceMs, prefixOf, type Round, type ScenarioDefinition } from '../scenario.js';
import type { Implementation } from '../timeline.js';
import { exitLimitMs } from './graceful.js';

type Expectation = 'lead-at-once-or-after-duration' | 'lead-after-duration' | 'never-lead' | 'lead-or-clear-error' | 'keep-foreign-fields';

interface MalformedLease {
  readonly name: string;
  readonly spec: (now: string, leaseDurationSeconds: number) => Record<string, unknown>;
  readonly metadata?: Record<string, unknown>;
  readonly expect: Expectation;
}

const malformed: readonly MalformedLease[] = [
  { name: 'no-duration', spec: (now) => ({ holderIdentity: 'ghost', acquireTime: now, renewTime: now, leaseTransitions: 3 }), expect: 'lead-at-once-or-after-duration' },
  { name: 'zero-duration', spec: (now) => ({ holderIdentity: 'ghost', leaseDurationSeconds: 0, acquireTime: now, renewTime: now, leaseTransitions: 3 }), expect: 'lead-at-once-or-after-duration' },
  { name: 'null-times', spec: (_now, seconds) => ({ holderIdentity: 'ghost', leaseDurationSeconds: seconds, leaseTransitions: 3 }), expect: 'lead-after-duration' },
  { name: 'huge-transitions', spec: (now) => ({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 2147483647 }), expect: 'lead-or-clear-error' },
  {
    name: 'foreign-fields',
    spec: (now) => ({ holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 3, somethingElse: { nested: true } }),
    metadata: { labels: { 'chaos.rx-k8s-leader/owner': 'someone' }, annotations: { 'chaos.rx-k8s-leader/note': 'keep me' } },
    expect: 'keep-foreign-fields',
  },
  { name: 'future-renew-time', spec: (_now, seconds) => ({ holderIdentity: 'ghost', leaseDurationSeconds: seconds, acquireTime: '2999-01-01T00:00:00.000000Z', renewTime: '2999-01-01T00:00:00.000000Z', leaseTransitions: 3 }), expect: 'lead-after-duration' },
  { name: 'past-renew-time', spec: (_now, seconds) => ({ holderIdentity: 'ghost', leaseDurationSeconds: seconds, acquireTime: '1971-01-01T00:00:00.000000Z', renewTime: '1971-01-01T00:00:00.000000Z', leaseTransitions: 3 }), expect: 'lead-after-duration' },
  { name: 'huge-duration', spec: (now) => ({ holderIdentity: 'ghost', leaseDurationSeconds: 2147483647, acquireTime: now, renewTime: now, leaseTransitions: 3 }), expect: 'never-lead' },
];

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

export const malformedLeases: ScenarioDefinition = {
  id: 'malformed-leases',
  item: 'bad input',
  title: 'Malformed Lease objects on the server',
  description: `The admin writes a Lease, then one candidate starts on it. Variants in turn: ${malformed.map((each) => `\`${each.name}\``).join(', ')}. Expected, as client-go would do or with a clear error: missing (or, if the apiserver takes it, zero) leaseDurationSeconds reads as expired (lead at once; waiting lease_duration is tolerated); null times, a renewTime in 2999 or 1971: lead only after lease_duration from the first sight (never by the wall clock); leaseTransitions 2147483647: lead or a clear error naming the status (its +1 does not fit int32); labels, annotations kept through renewals; leaseDurationSeconds 2147483647: never lead within 2 × lease_duration, and no crash. timeToLeaderMs = ready → leads. Checked: no crash, no unexpected error, the expectation.`,
  fleets: ['rx-k8s-leader', 'client-go'],
  async run(run) {
    const { ms } = run.environment.timings;
    const implementation = run.fleet as Implementation;
    await freshFleetRounds(run, 'malformed-leases', async (round, fleetOn) => {
      const variant = malformed[round.index % malformed.length]!;
      round.variant = variant.name;
      const leaseName = `chaos-bad-${prefixOf(implementation)}-${suffix()}`;
      const written = await run.admin.request('POST', leasePath('default'), {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName, namespace: 'default', ...(variant.metadata ?? {}) },
        spec: variant.spec(formatMicro(wallNow()), ms.leaseDuration / 1000),
      });
      if (written.status < 200 || written.status >= 300) {
        const message = (written.body as { message?: string }).message ?? JSON.stringify(written.body);
        round.note(`the apiserver refused to store it: HTTP ${written.status} ${message.slice(0, 200)}`);
        round.finish();
        return;
      }
      const fleet = fleetOn(leaseName);
      const member = await fleet.add({ implementation, identity: fleet.nextIdentity(prefixOf(implementation)), seed: round.dice.integer(0, 2 ** 31) });
      round.watchFleet(fleet);
      const readyAt = member.events.find((event) => event.event === 'ready')!.at;
      const outcome = await fleet.waitFor(() => member.events.find((event) => event.event === 'started-leading' || event.event === 'error') ?? (member.exit ? { event: 'exit' as const, at: member.exit.at } : undefined),
        variant.expect === 'never-lead' ? 2 * ms.leaseDuration : 3 * ms.leaseDuration + 5 * ms.retryPeriod, 'leading or an error').catch(() => undefined);
      if (outcome?.event === 'started-leading') round.metric('timeToLeaderMs', outcome.at - readyAt);
      expectOutcome(round, variant, member, outcome, readyAt, ms.leaseDuration);
      if (variant.expect === 'keep-foreign-fields' && outcome?.event === 'started-leading') {
        await fleet.waitFor(() => (member.responses(outcome.at, Infinity).filter((response) => response.verb === 'update' && response.status === 200).length >= 2 ? true : undefined), 3 * ms.retryPeriod + 2000, 'two renewals');
        const lease = await run.admin.getLease('default', leaseName);
        if (lease?.metadata.labels?.['chaos.rx-k8s-leader/owner'] !== 'someone' || lease.metadata.annotations?.['chaos.rx-k8s-leader/note'] !== 'keep me') {
          round.violation(implementation, `${member.identity}'s writes lost the Lease's labels or annotations: ${JSON.stringify({ labels: lease?.metadata.labels, annotations: lease?.metadata.annotations })}`);
        }
        if (lease && 'somethingElse' in lease.spec) round.note('the apiserver kept an unknown spec field');
      }
      round.finish();
    });
  },
};

function expectOutcome(round: Round, variant: MalformedLease, member: Member, outcome: { event: string; at: number } | undefined, readyAt: number, leaseDurationMs: number): void {
  const { implementation, identity } = member;
  const led = outcome?.event === 'started-leading';
  const after = outcome ? outcome.at - readyAt : undefined;
  switch (variant.expect) {
    case 'lead-at-once-or-after-duration':
    case 'keep-foreign-fields':
      if (!led) round.violation(implementation, `${identity} did not lead on a Lease with ${variant.name} (${outcome?.event ?? 'nothing'} within the limit)`);
      else round.note(after! < leaseDurationMs / 2 ? 'led at once' : 'led after about lease_duration');
      break;
    case 'lead-after-duration':
      if (!led) round.violation(implementation, `${identity} did not lead on a Lease with ${variant.name} (${outcome?.event ?? 'nothing'} within the limit)`);
      else if (after! < leaseDurationMs - clockToleranceMs) round.violation(implementation, `${identity} took a Lease with ${variant.name} after ${after!.toFixed(0)} ms, before lease_duration had passed since it first saw it`);
      break;
    case 'never-lead':
      if (led) round.violation(implementation, `${identity} took a Lease held for 2147483647 s after ${after!.toFixed(0)} ms`);
      if (!member.alive) round.violation(implementation, `${identity} did not survive a Lease held for 2147483647 s`);
      break;
    case 'lead-or-clear-error':
      if (led) round.note('led');
      else if (outcome?.event === 'error') {
        const message = String(member.events.find((event) => event.event === 'error')?.detail?.message ?? '');
        round.expectErrors(/stream error|exited by itself/);
        if (!/HTTP 4\d\d|\b4\d\d\b/.test(message)) round.violation(implementation, `${identity}'s error does not name the HTTP status: ${message.slice(0, 200)}`);
        else round.note(`a clear error: ${message.replace(/\s+/g, ' ').slice(0, 220)}`);
      } else {
        // ours promises to lead or to say clearly why not; client-go retries forever, logging the apiserver's refusal
        if (implementation === 'client-go') round.note('neither led nor failed within the limit (client-go retries forever, logging the apiserver\'s refusal)');
        else round.violation(implementation, `${identity} neither led nor failed with a clear error on a Lease with ${variant.name}`);
      }
      break;
  }
}

const exitVariants = ['leading', 'following', 'api-hangs', 'mid-write'] as const;

export const exitAfterUnsubscribe: ScenarioDefinition = {
  id: 'exit-after-unsubscribe',
  item: 'bad input',
  title: 'After the last unsubscribe no timer, socket or watch remains',
  description: 'One process of ours subscribes, and unsubscribes with no process.exit anywhere; it must exit by itself within 1 s of unsubscribing, with code 0. Variants in turn: `leading` (unsubscribes 0.1..1.5 s after it leads, work running: the release lands), `following` (the Lease is held by another for an hour: a watch and a read are open), `api-hangs` (leading, then its proxy blackholes everything before it unsubscribes), `mid-write` (leading, its proxy delays 1.5 s each way, it unsubscribes with a renewal in flight). exitMs = unsubscribed → exited.',
  fleets: ['rx-k8s-leader'],
  async run(run) {
    const { ms } = run.environment.timings;
    await freshFleetRounds(run, 'exit-after-unsubscribe', async (round, fleetOn) => {
      const variant = exitVariants[round.index % exitVariants.length]!;
      round.variant = variant;
      const leaseName = `chaos-exit-${suffix()}`;
      if (variant === 'following') {
        const now = formatMicro(wallNow());
        await run.admin.must('POST', leasePath('default'), {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: leaseName, namespace: 'default' },
          spec: { holderIdentity: 'someone-else', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
      }
      const fleet = fleetOn(leaseName);
      const quitAfter = variant === 'leading' ? round.dice.between(100, 1500) : variant === 'following' ? round.dice.between(500, 2500) : variant === 'api-hangs' ? round.dice.between(1500, 3000) : round.dice.between(1300, 1900);
      const member = await fleet.add({
        implementation: 'rx-k8s-leader', identity: fleet.nextIdentity('rx'), seed: round.dice.integer(0, 2 ** 31),
        extraArgs: ['-work=100', variant === 'following' ? `-quit-after=${Math.round(quitAfter)}` : `-quit-after-leading=${Math.round(quitAfter)}`],
      });
      round.watchFleet(fleet);
      if (variant !== 'following') {
        await fleet.nextEvent(member, 0, (event) => event.event === 'started-leading', 3 * ms.leaseDuration, 'leading');
        if (variant === 'api-hangs') member.proxy.blackhole();
        if (variant === 'mid-write') member.proxy.delay(1500);
      }
      const unsubscribed = await fleet.nextEvent(member, 0, (event) => event.event === 'unsubscribed', 10_000, 'unsubscribed');
      const exit = await fleet.whenExited(member, 10_000).catch(() => undefined);
      if (!exit) {
        round.violation('rx-k8s-leader', `${member.identity} was still running 10 s after it unsubscribed (${variant})`);
      } else {
        round.metric('exitMs', exit.at - unsubscribed.at);
        if (exit.code !== 0 || exit.signal !== null) round.violation('rx-k8s-leader', `${member.identity} exited with code ${exit.code}, signal ${exit.signal} after unsubscribing (${variant})`);
        if (exit.at - unsubscribed.at > exitLimitMs) round.violation('rx-k8s-leader', `${member.identity} took ${(exit.at - unsubscribed.at).toFixed(0)} ms to exit after unsubscribing (${variant}; limit ${exitLimitMs} ms)`);
      }
      if (variant === 'leading') {
        const lease = await run.admin.getLease('default', leaseName);
        if (lease?.spec.holderIdentity !== '') round.violation('rx-k8s-leader', `${member.identity} unsubscribed while leading but the Lease still names ${JSON.stringify(lease?.spec.holderIdentity)}`);
      }
      round.finish();
    });
  },
};
