import { expect } from 'chai';
import { classifyFailure } from '../../lib/election/classify-failure.js';
import { LeaderElectionError } from '../../lib/errors/leader-election-error.js';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';

const lease = { namespace: 'prod', name: 'reports' };
const forbidden = (detail: string) => new LeaseApiError('get', lease, 403, 'Forbidden', detail);

describe('classifyFailure', () => {
  it('a 403 before any success is permanent, naming the user the API server refused, the verb and the rule', () => {
    const failure = classifyFailure(forbidden('leases.coordination.k8s.io "reports" is forbidden: User "system:serviceaccount:prod:reports" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "prod"'), { succeededOnce: false });
    expect(failure.kind).to.equal('permanent');
    const { error } = failure as { error: LeaderElectionError };
    expect(error.message).to.contain('The API server refused user "system:serviceaccount:prod:reports": it may not get leases in namespace "prod"');
    expect(error.message).to.contain('RBAC is missing the rule "get"');
  });

  it('a 403 whose message names no user still says what is missing', () => {
    const { error } = classifyFailure(forbidden('forbidden'), { succeededOnce: false }) as { error: LeaderElectionError };
    expect(error.message).to.contain('The identity was refused: it may not get leases in namespace "prod"');
  });

  it('a 403 after a success is passing trouble (an authz webhook outage, a rotation)', () => {
    expect(classifyFailure(forbidden('forbidden'), { succeededOnce: true })).to.deep.equal({ kind: 'transient' });
  });
});
