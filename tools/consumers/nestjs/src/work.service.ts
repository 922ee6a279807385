import { Injectable } from '@nestjs/common';
import { interval, ReplaySubject, tap, type Observable } from 'rxjs';

/** The singleton work: ticks while this replica leads. */
@Injectable()
export class WorkService {
  readonly ticks$ = new ReplaySubject<number>();

  run(): Observable<number> {
    return interval(5).pipe(tap((tick) => this.ticks$.next(tick)));
  }
}
