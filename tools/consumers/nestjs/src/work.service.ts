import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { LeaderOnly } from 'rx-k8s-leader/nestjs';
import { ReplaySubject } from 'rxjs';

/** The singleton work: a scheduled job that runs on the leader alone. */
@Injectable()
export class WorkService {
  readonly ticks$ = new ReplaySubject<number>();
  private tick = 0;

  @Interval(5)
  @LeaderOnly()
  run(): void {
    this.ticks$.next(this.tick++);
  }
}
