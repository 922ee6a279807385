import { Module } from '@nestjs/common';
import { LeaderService } from './leader.service';
import { WorkService } from './work.service';

@Module({ providers: [LeaderService, WorkService] })
export class AppModule {}
