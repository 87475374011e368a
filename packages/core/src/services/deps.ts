import type { PrismaClient } from '@campaigns/db';
import type { Clock } from '../domain/clock';
import type { LockTx } from './campaign-lock';
import type { WebhookPolicy } from './webhooks';

/** What the domain services need from the outside world. */
export interface ServiceDeps {
  db: PrismaClient;
  clock: Clock;
  /** Written inside a change's transaction, with its result (services/transactions.ts). */
  recordOutcome?: (tx: LockTx, result: unknown) => Promise<void>;
  /** The request's `If-Match`: a change refuses to apply to another version (domain/versions.ts). */
  ifMatch?: string;
  /** Told the ETag of the campaign a read or change returned (or whose step it returned). */
  reportVersion?: (etag: string) => void;
  /** Which webhook URLs are allowed (WEBHOOK_ALLOW_PRIVATE_URLS). */
  webhookPolicy?: WebhookPolicy;
}

/** Who is acting: the verified token's subject and tenant. */
export interface Actor {
  sub: string;
  brandId: string;
}
