import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { LeaderElectionError } from '../../../lib/errors/leader-election-error.js';
import { memoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';

const reference = { namespace: 'prod', name: 'reports' };

describe('closed hole: a logger that throws', () => {
  /**
   * Was a hole (robustness, low): diagnostics hooks are guarded (tell() swallows what they throw), the
   * logger is not. A logger method that throws (a pino/winston transport that throws on a closed
   * stream, a method passed unbound) thrown from inside the loop ends the election: here `info`
   * ("started leading") throws, the stream says false and errors with that plain Error, the lease is
   * never held. On the release path (logger.debug in release$'s catchError, subscribed by
   * releaseOnTeardown without an error callback) the same throw becomes an unhandled error, i.e. an
   * uncaughtException in Node.
   *
   * Expected (README promise 7): "The stream errors only with LeaderElectionError"; a logger's
   * failure never decides the election, as for diagnostics hooks.
   */
  it('a throwing logger does not end the election', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    const logger = { info: () => { throw new Error('log transport closed'); } };
    const seen: string[] = [];
    let caught: unknown;
    scheduler.run(() => {
      const subscription = leadership$({ lease_name: reference.name, lease_namespace: reference.namespace, identity: 'a', release_on_cancel: false }, { scheduler, leases: store, random: () => 0, logger })
        .subscribe({ next: (leading) => seen.push(String(leading)), error: (error: unknown) => { caught = error; } });
      scheduler.schedule(() => subscription.unsubscribe(), 3000);
    });
    if (caught !== undefined) expect(caught, `errored with ${String(caught)}`).to.be.instanceOf(LeaderElectionError);
    expect(caught, `the election ended: ${String(caught)}`).to.equal(undefined);
    expect(seen).to.deep.equal(['false', 'true']);
  });
});
