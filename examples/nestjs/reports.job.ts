import { Inject, Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { LeaderOnly } from 'rx-k8s-leader/nestjs';
import { REPLICA } from './replica.js';

/** The singleton work: a job that @nestjs/schedule calls on every replica, and that runs on the leader alone. */
@Injectable()
export class ReportsJob {
  private polls = 0;

  constructor(@Inject(REPLICA) private readonly replica: string) {}

  @Interval(200)
  @LeaderOnly()
  poll(): void {
    this.polls += 1;
    console.log(`[${this.replica}] poll ${this.polls}`);
  }
}
