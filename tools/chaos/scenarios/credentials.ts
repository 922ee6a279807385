// Scenario 9: credentials rotated while leading (service-account token file; kubeconfig client
// certificate). Scenario 10: an authorization outage (the RoleBinding deleted for 5 s).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leasePath, type Admin } from '../admin.js';
import { Fleet, type Member, sleep, wallNow } from '../fleet.js';
import { replaceFile, replaceText, writeKubeconfig } from '../../control-plane/kubeconfig-file.js';
import { prefixOf, rounds, type Round, type ScenarioDefinition, type ScenarioRun } from '../scenario.js';
import type { Implementation } from '../timeline.js';
import { settled } from './fleets.js';

const suffix = () => Date.now().toString(36);
const fleetSize = 3;

/** A successful write answered after `from` by `member`, sent after `from` too. */
function renewedAfter(fleet: Fleet, member: Member, from: number, limit: number, what: string): Promise<number> {
  return fleet.waitFor(() => {
    let sent: number | undefined;
    for (const event of member.events) {
      if (event.at < from || (event.detail?.verb !== 'update' && event.detail?.verb !== 'create')) continue;
      if (event.event === 'request') sent ??= event.at;
      if (event.event === 'response' && sent !== undefined && Number(event.detail?.status) >= 200 && Number(event.detail?.status) < 300) return event.at;
    }
    return undefined;
  }, limit, what);
}

/** GETs the namespace's Leases with a bearer token until the apiserver refuses it (401); resolves with when. */
async function untilRefused(run: ScenarioRun, namespace: string, token: string, limit: number): Promise<number> {
  const { controlPlane } = run.environment;
  const ca = readFileSync(controlPlane.caPath);
  const deadline = performance.now() + limit;
  while (performance.now() < deadline) {
    const status = await new Promise<number>((resolve) => {
      const sent = httpsRequest(`${controlPlane.server}${leasePath(namespace)}`, { ca, agent: false, headers: { Authorization: `Bearer ${token}` }, timeout: 5000 }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      sent.on('error', () => resolve(0));
      sent.on('timeout', () => sent.destroy());
      sent.end();
    });
    if (status === 401) return wallNow();
    await sleep(250);
  }
  throw new Error(`the revoked token was still accepted after ${limit} ms`);
}

async function mintToken(admin: Admin, namespace: string, serviceAccount: string, secret: string): Promise<string> {
  const created = await admin.must<{ metadata: { uid: string } }>('POST', `/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret } });
  const answer = await admin.must<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { expirationSeconds: 3600, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: secret, uid: created.body.metadata.uid } },
  });
  return answer.body.status.token;
}

interface TokenMember { tokenFile: string; secret: string; token: string; generation: number }

export const credentialRotation: ScenarioDefinition = {
  id: 'credential-rotation',
  item: '9',
  title: 'Credentials rotated while leading',
  description: 'Variants in turn, each with a fleet of its own. `token`: candidates in the in-cluster layout (token, ca.crt and namespace under a temp dir, KUBERNETES_SERVICE_HOST/PORT at the candidate\'s proxy) with TokenRequest tokens bound to a Secret; the leader\'s token file is replaced (rename over it) by a new token, the old one revoked (its Secret deleted) and waited for until the apiserver refuses it (401). `client-cert`: kubeconfigs naming certificate files; the leader gets a certificate valid 4..6 s, then, 1.5 s before it expires, one valid an hour (each replaced by rename). Checked: the leader never stops leading, and renews after the old credential is refused or expired.',
  fleets: ['rx-k8s-leader'],
  async run(run) {
    const { controlPlane } = run.environment;
    const { ms } = run.environment.timings;
    const directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-chaos-credentials-'));
    const namespace = `chaos-sa-${suffix()}`;
    const fleets: Partial<Record<'token' | 'client-cert', Fleet>> = {};
    const tokens = new Map<string, TokenMember>();
    const certFiles = new Map<string, { certFile: string; keyFile: string; generation: number }>();
    const limit = 3 * ms.leaseDuration + 5 * ms.retryPeriod + 5000;
    const implementation: Implementation = 'rx-k8s-leader';

    const tokenFleet = async (round: Round): Promise<Fleet> => {
      if (fleets.token) return fleets.token;
      await run.admin.createNamespace(namespace);
      await run.admin.must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'elector' } }, [409]);
      await run.admin.grantLeaderElection(namespace, [{ kind: 'ServiceAccount', name: 'elector' }]);
      const fleet = new Fleet(run.environment, 'rotated', namespace);
      const members: Member[] = [];
      return closedOnFailure(fleet, async () => {
        for (let index = 0; index < fleetSize; index++) {
          const identity = fleet.nextIdentity(prefixOf(implementation));
          const root = join(directory, identity);
          const serviceAccount = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
          mkdirSync(serviceAccount, { recursive: true });
          const secret = `${identity}-0`;
          const token = await mintToken(run.admin, namespace, 'elector', secret);
          writeFileSync(join(serviceAccount, 'token'), token);
          writeFileSync(join(serviceAccount, 'namespace'), namespace);
          copyFileSync(controlPlane.caPath, join(serviceAccount, 'ca.crt'));
          tokens.set(identity, { tokenFile: join(serviceAccount, 'token'), secret, token, generation: 0 });
          members.push(await fleet.add({
            implementation, identity, seed: round.dice.integer(0, 2 ** 31),
            kubeconfig: async () => '',
            extraArgs: ['-auth=serviceAccount', `-service-account-root=${root}`],
            envFor: (proxy) => ({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(proxy.server).port }),
          }));
          if (index === 0) await fleet.nextLeader(0, limit);
        }
        await settled(fleet, members, limit);
        fleets.token = fleet;
        return fleet;
      });
    };

    const certFleet = async (round: Round): Promise<Fleet> => {
      if (fleets['client-cert']) return fleets['client-cert'];
      const fleet = new Fleet(run.environment, `chaos-cert-${suffix()}`);
      const members: Member[] = [];
      return closedOnFailure(fleet, async () => {
        for (let index = 0; index < fleetSize; index++) {
          const identity = fleet.nextIdentity(prefixOf(implementation));
          const issued = await controlPlane.issueClientCert(identity, { validFor: '1h', out: `${identity}-0` });
          const certFile = join(directory, `${identity}.crt`);
          const keyFile = join(directory, `${identity}.key`);
          copyFileSync(issued.certPath, certFile);
          copyFileSync(issued.keyPath, keyFile);
          certFiles.set(identity, { certFile, keyFile, generation: 0 });
          members.push(await fleet.add({
            implementation, identity, seed: round.dice.integer(0, 2 ** 31),
            kubeconfig: async (proxy) => writeKubeconfig(join(directory, `${identity}.kubeconfig`), { server: proxy.server, caFile: controlPlane.caPath, user: { certFile, keyFile } }),
          }));
          if (index === 0) await fleet.nextLeader(0, limit);
        }
        await settled(fleet, members, limit);
        fleets['client-cert'] = fleet;
        return fleet;
      });
    };

    const retire = async (variant: 'token' | 'client-cert') => {
      await fleets[variant]?.close();
      fleets[variant] = undefined;
    };

    try {
      await rounds(run, 'credential-rotation', async (round) => {
        const variant = round.index % 2 === 0 ? 'token' : 'client-cert';
        round.variant = variant;
        const fleet = variant === 'token' ? await tokenFleet(round) : await certFleet(round);
        round.watchFleet(fleet);
        const leader = await fleet.leader(limit);
        const startedAt = wallNow();
        if (variant === 'token') {
          const current = tokens.get(leader.identity)!;
          const secret = `${leader.identity}-${current.generation + 1}`;
          const token = await mintToken(run.admin, namespace, 'elector', secret);
          replaceText(current.tokenFile, token);
          const rotatedAt = wallNow();
          await run.admin.must('DELETE', `/api/v1/namespaces/${namespace}/secrets/${current.secret}`);
          tokens.set(leader.identity, { ...current, secret, token, generation: current.generation + 1 });
          const refusedAt = await untilRefused(run, namespace, current.token, 30_000);
          round.metric('revokedToRefusedMs', refusedAt - rotatedAt);
          const renewed = await renewedAfter(fleet, leader, refusedAt, ms.renewDeadline + 2000, 'a renewal after the old token was refused');
          round.metric('renewedAfterRefusalMs', renewed - refusedAt);
        } else {
          const files = certFiles.get(leader.identity)!;
          const validFor = Math.round(round.dice.between(4000, 6000));
          const short = await controlPlane.issueClientCert(leader.identity, { validFor: `${validFor}ms`, out: `${leader.identity}-${files.generation + 1}` });
          const expiresAt = wallNow() + validFor;
          replaceFile(short.keyPath, files.keyFile);
          replaceFile(short.certPath, files.certFile);
          await sleep(expiresAt - 1500 - wallNow());
          const long = await controlPlane.issueClientCert(leader.identity, { validFor: '1h', out: `${leader.identity}-${files.generation + 2}` });
          replaceFile(long.keyPath, files.keyFile);
          replaceFile(long.certPath, files.certFile);
          certFiles.set(leader.identity, { ...files, generation: files.generation + 2 });
          await sleep(expiresAt + 500 - wallNow());
          const renewed = await renewedAfter(fleet, leader, expiresAt + 500, ms.renewDeadline + 2000, 'a renewal after the short certificate expired');
          round.metric('renewedAfterExpiryMs', renewed - expiresAt);
        }
        const stopped = leader.eventsSince(startedAt, (event) => event.event === 'stopped-leading')[0];
        if (stopped) round.violation(leader.implementation, `${leader.identity} stopped leading ${(stopped.at - startedAt).toFixed(0)} ms into the rotation`);
        const unauthorized = leader.responses(startedAt, wallNow()).filter((response) => response.status === 401).length;
        round.metric('unauthorizedAnswers', unauthorized);
        round.finish();
      }, async (round) => retire(round.variant === 'token' ? 'token' : 'client-cert'));
    } finally {
      await retire('token');
      await retire('client-cert');
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

export const authorizationOutage: ScenarioDefinition = {
  id: 'authorization-outage',
  item: '10',
  title: 'An authorization outage: the candidates\' RoleBinding deleted for 5 s, then restored',
  description: 'Candidates are certificate users in a group that only a RoleBinding (to the README\'s Role) authorizes. The binding is deleted for 5 s and created again: 403s in mid-life. Step-down = last successful renewal → false. Checked: no overlap; leadership backed by renewals within renew_deadline; no stream error (a 403 after success is retried); a leader again after the binding is back, without a restart (resumeMs = restored → first renewal or acquisition answered).',
  fleets: ['rx-k8s-leader', 'client-go'],
  async run(run) {
    const { controlPlane } = run.environment;
    const { ms } = run.environment.timings;
    const implementation = run.fleet as Implementation;
    const directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-chaos-rbac-'));
    const namespace = `chaos-rbac-${prefixOf(implementation)}-${suffix()}`;
    const group = 'chaos-electors';
    const binding = run.admin.roleBindingBody(namespace, [{ kind: 'Group', name: group }]);
    const bindingPath = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`;
    const limit = 3 * ms.leaseDuration + 5 * ms.retryPeriod + 5000;
    let fleet: Fleet | undefined;
    const build = async (round: Round): Promise<Fleet> => {
      if (fleet) return fleet;
      await run.admin.createNamespace(namespace);
      await run.admin.createLeaderElectionRole(namespace);
      await run.admin.must('POST', bindingPath, binding, [409]);
      const built = new Fleet(run.environment, 'guarded', namespace);
      const members: Member[] = [];
      return closedOnFailure(built, async () => {
        for (let index = 0; index < fleetSize; index++) {
          const identity = built.nextIdentity(prefixOf(implementation));
          const issued = await controlPlane.issueClientCert(identity, { group, out: `${identity}-rbac` });
          members.push(await built.add({
            implementation, identity, seed: round.dice.integer(0, 2 ** 31),
            kubeconfig: async (proxy) => writeKubeconfig(join(directory, `${identity}.kubeconfig`), { server: proxy.server, caFile: controlPlane.caPath, user: { certFile: issued.certPath, keyFile: issued.keyPath } }),
          }));
          if (index === 0) await built.nextLeader(0, limit);
        }
        await settled(built, members, limit);
        fleet = built;
        return built;
      });
    };
    try {
      await rounds(run, 'authorization-outage', async (round) => {
        const current = await build(round);
        round.watchFleet(current);
        const leader = await current.leader(limit);
        await sleep(round.dice.between(0.2, 1.8) * ms.retryPeriod);
        const revokedAt = (await run.admin.must('DELETE', `${bindingPath}/leader-election`)).at;
        await sleep(5000);
        const restoredAt = (await run.admin.must('POST', bindingPath, binding)).at;
        const forbidden = current.members.reduce((sum, member) => sum + member.responses(revokedAt, restoredAt).filter((response) => response.status === 403).length, 0);
        round.metric('forbiddenAnswers', forbidden);
        if (forbidden === 0) round.error('no candidate was answered 403 while the RoleBinding was deleted: the fault did not apply');
        const resumed = await current.waitFor(() => {
          for (const member of current.members) {
            const answered = member.events.find((event) => event.at >= restoredAt && event.event === 'response'
              && (event.detail?.verb === 'update' || event.detail?.verb === 'create') && Number(event.detail?.status) >= 200 && Number(event.detail?.status) < 300);
            if (answered && member.leading) return answered;
          }
          return undefined;
        }, limit, 'a leader renewing after the RoleBinding was restored');
        round.metric('resumeMs', resumed.at - restoredAt);
        const stopped = leader.eventsSince(revokedAt, (event) => event.event === 'stopped-leading')[0];
        if (stopped) {
          const lastWrite = leader.lastSuccessfulWrite(stopped.at);
          if (lastWrite !== undefined) round.stepDownMs = stopped.at - lastWrite;
        }
        await sleep(ms.retryPeriod);
        round.finish({ gapFrom: revokedAt });
      }, async () => {
        await fleet?.close();
        fleet = undefined;
        await run.admin.request('POST', bindingPath, binding);
      });
    } finally {
      await fleet?.close();
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

/** Runs `build`; if it fails, closes the partly built `fleet` (its processes and proxies) before rethrowing. */
async function closedOnFailure(fleet: Fleet, build: () => Promise<Fleet>): Promise<Fleet> {
  try {
    return await build();
  } catch (error) {
    await fleet.close();
    throw error;
  }
}
