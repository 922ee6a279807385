import { expect } from 'chai';
import { balance } from '../../lib/spread/balance.js';

const jobs = (count: number) => Array.from({ length: count }, (_, index) => `job-${index}`);
const nobody = new Map<string, string | null>();

/** How many Leases each member is given. */
function counts(assignment: ReadonlyMap<string, string>, members: readonly string[]): number[] {
  return members.map((member) => [...assignment.values()].filter((holder) => holder === member).length);
}

/** The holders after every member took what it was given. */
const settled = (assignment: ReadonlyMap<string, string>) => new Map<string, string | null>(assignment);

describe('balance (the spread rule)', () => {
  const shapes: [number, number][] = [[0, 3], [1, 3], [2, 3], [3, 3], [4, 3], [10, 3], [30, 3], [31, 4], [7, 1], [100, 7], [5, 8]];
  for (const [leaseCount, memberCount] of shapes) {
    it(`${leaseCount} Leases over ${memberCount} members: every Lease placed, each member ⌊K/R⌋ or ⌈K/R⌉`, () => {
      const members = Array.from({ length: memberCount }, (_, index) => `replica-${index}`);
      const assignment = balance({ names: jobs(leaseCount), members, holders: nobody });
      expect(assignment.size).to.equal(leaseCount);
      const low = Math.floor(leaseCount / memberCount);
      for (const count of counts(assignment, members)) expect(count).to.be.within(low, Math.ceil(leaseCount / memberCount));
    });
  }

  it('no members: nothing placed', () => {
    expect(balance({ names: jobs(3), members: [], holders: nobody }).size).to.equal(0);
  });

  it('the same answer whatever the order of names and members', () => {
    const a = balance({ names: jobs(20), members: ['x', 'y', 'z'], holders: nobody });
    const b = balance({ names: jobs(20).reverse(), members: ['z', 'x', 'y', 'x'], holders: nobody });
    expect([...b].sort()).to.deep.equal([...a].sort());
  });

  it('a settled fleet moves nothing', () => {
    const members = ['x', 'y', 'z'];
    const first = balance({ names: jobs(30), members, holders: nobody });
    expect(balance({ names: jobs(30), members, holders: settled(first) })).to.deep.equal(first);
  });

  it('keeps a lopsided but fair holding as it is (no move without need)', () => {
    // 10 over 3 is 4, 3, 3 in any order: the one holding 4 keeps 4
    const holders = new Map<string, string | null>(jobs(10).map((name, index) => [name, index < 4 ? 'z' : index < 7 ? 'x' : 'y']));
    expect(balance({ names: jobs(10), members: ['x', 'y', 'z'], holders })).to.deep.equal(holders);
  });

  it('one replica holding everything: the others join and take their share, and only that moves', () => {
    const holders = new Map<string, string | null>(jobs(30).map((name) => [name, 'x']));
    const assignment = balance({ names: jobs(30), members: ['x', 'y', 'z'], holders });
    expect(counts(assignment, ['x', 'y', 'z'])).to.deep.equal([10, 10, 10]);
    expect([...assignment].filter(([name, member]) => holders.get(name) !== member), 'moved').to.have.length(20);
  });

  it('a replica joins a settled fleet: it takes ⌊K/R⌋ or ⌈K/R⌉, and nothing else moves', () => {
    const before = balance({ names: jobs(30), members: ['x', 'y'], holders: nobody });
    const after = balance({ names: jobs(30), members: ['x', 'y', 'z'], holders: settled(before) });
    expect(counts(after, ['x', 'y', 'z'])).to.deep.equal([10, 10, 10]);
    const moved = [...after].filter(([name, member]) => before.get(name) !== member);
    expect(moved.every(([, member]) => member === 'z'), 'every move is to the newcomer').to.equal(true);
    expect(moved).to.have.length(10);
  });

  it('a replica leaves: its Leases are spread over the others, and theirs stay', () => {
    const before = balance({ names: jobs(30), members: ['x', 'y', 'z'], holders: nobody });
    const after = balance({ names: jobs(30), members: ['x', 'y'], holders: settled(before) });
    expect(counts(after, ['x', 'y'])).to.deep.equal([15, 15]);
    for (const [name, member] of before) if (member !== 'z') expect(after.get(name), `${name} stays`).to.equal(member);
  });

  it('a Lease held by a non-member (a client-go elector, an old replica) is placed like a free one', () => {
    const holders = new Map<string, string | null>([['job-0', 'client-go'], ['job-1', null]]);
    const assignment = balance({ names: jobs(2), members: ['x', 'y'], holders });
    expect(new Set(assignment.values())).to.deep.equal(new Set(['x', 'y']));
  });
});
