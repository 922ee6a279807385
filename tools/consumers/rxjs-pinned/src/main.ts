// An app that pins rxjs 7.8.1. rxjs is our peer dependency, so npm installs one copy, and our
// types and the app's are the same declarations: the app's Observable, operators and
// TestScheduler fit ours without casts, and our streams are instances of the app's Observable.
import { deepStrictEqual } from 'node:assert';
import { leadership$, memoryLeases, whileLeader } from 'rx-k8s-leader';
import { Observable, of, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

const scheduler = new TestScheduler((actual, expected) => deepStrictEqual(actual, expected));
const seen: { frame: number; leading: boolean }[] = [];
let work: Observable<string> | undefined;
let instance = false;
scheduler.run(() => {
  const leases = memoryLeases({ scheduler, latency: 5 });
  const isLeader$: Observable<boolean> = leadership$({ lease_name: 'pinned', lease_namespace: 'default', identity: 'pinned' }, { scheduler, leases });
  instance = isLeader$ instanceof Observable;
  const operator: OperatorFunction<boolean, string> = whileLeader(of('work'));
  work = isLeader$.pipe(operator);
  const subscription = isLeader$.subscribe((leading) => seen.push({ frame: scheduler.now(), leading }));
  scheduler.schedule(() => subscription.unsubscribe(), 1_000);
});
console.log(JSON.stringify({ instance, workIsObservable: work instanceof Observable, seen }));
