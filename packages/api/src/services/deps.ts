import type { PrismaClient } from '@campaigns/db';
import type { Clock } from '../domain/clock';

/** What the domain services need from the outside world. */
export interface ServiceDeps {
  db: PrismaClient;
  clock: Clock;
}

/** Who is acting: the verified token's subject and tenant. */
export interface Actor {
  sub: string;
  brandId: string;
}
