import { expect } from 'chai';
import { defer, finalize, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { whileLeader } from '../../lib/streams/while-leader.js';

describe('whileLeader', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
  });

  it('subscribes to the work on true and unsubscribes it on false', () => {
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const isLeader$ = hot('f-t----f--t--f', { f: false, t: true });
      const work$ = cold('-a-b-c-d');
      expectObservable(isLeader$.pipe(whileLeader(work$))).toBe('---a-b-----a');
      expectSubscriptions(work$.subscriptions).toBe(['--^----!', '----------^--!']);
    });
  });

  it('ignores repeated trues: one term, one subscription', () => {
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const isLeader$ = hot('t-t-t-f', { f: false, t: true });
      const work$ = cold('--a');
      expectObservable(isLeader$.pipe(whileLeader(work$))).toBe('--a');
      expectSubscriptions(work$.subscriptions).toBe(['^-----!']);
    });
  });

  it('calls a factory once per term, so each term gets fresh work', () => {
    let terms = 0;
    const stopped: number[] = [];
    scheduler.run(({ hot, expectObservable }) => {
      const isLeader$ = hot('t-f-t-f', { f: false, t: true });
      const work = () => defer(() => of(++terms)).pipe(finalize(() => stopped.push(terms)));
      expectObservable(isLeader$.pipe(whileLeader(work))).toBe('1---2', { 1: 1, 2: 2 });
    });
    expect(terms).to.equal(2);
    expect(stopped).to.deep.equal([1, 2]);
  });
});
