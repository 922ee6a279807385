/**
 * Who says `true`, per identity, for the split-brain properties: an identity leads while any of
 * its subscriptions' last word was `true`, except while its process is stopped (it cannot act
 * then; on resume it must step down before anything else, which `resumed` checks). Every moment
 * two identities lead is recorded in `problems`.
 */
export class LeaderBoard {
  readonly problems: string[] = [];
  private readonly saying = new Map<string, boolean>();
  private readonly paused = new Set<number>();

  /** `processOf` maps an identity to its process (by default each identity is a process of its own). */
  constructor(protected readonly now: () => number, private readonly processOf: (identity: number) => number = (identity) => identity) {}

  said(identity: number, subscription: number, leading: boolean): void {
    this.saying.set(`${identity}/${subscription}`, leading);
    if (leading) this.check(identity, 'said true');
  }

  left(identity: number, subscription: number): void {
    this.saying.delete(`${identity}/${subscription}`);
  }

  pause(process: number): void {
    this.paused.add(process);
  }

  resumed(process: number): void {
    this.paused.delete(process);
    for (const identity of this.identities()) {
      if (this.processOf(identity) === process && this.leads(identity)) this.check(identity, 'still true after resuming');
    }
  }

  leaders(): number[] {
    return this.identities().filter((identity) => this.leads(identity) && !this.paused.has(this.processOf(identity)));
  }

  private identities(): number[] {
    return [...new Set([...this.saying.keys()].map((key) => Number(key.split('/')[0])))];
  }

  private leads(identity: number): boolean {
    return [...this.saying].some(([key, leading]) => leading && key.startsWith(`${identity}/`));
  }

  private check(identity: number, what: string): void {
    const others = this.leaders().filter((other) => other !== identity);
    if (others.length > 0) this.problems.push(`c${identity} ${what} while c${others.join(',c')} led, at ${this.now()}`);
  }
}
