export type { PrismaClientOptions, SqlRunner, TransactionOptions } from './client';
export {
  createPrismaClient,
  pipelinedTransaction,
  queryRows,
  readRows,
  withShape,
  withTransaction,
} from './client';
export type { OpenDatabaseOptions, OpenedDatabase } from './database';
export { openDatabase } from './database';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded';
export { freePort, startEmbeddedPostgres } from './embedded';
export type {
  AuditEvent,
  Campaign,
  Delivery,
  Step,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from './generated/prisma/client';
export {
  CampaignStatus,
  Prisma,
  PrismaClient,
} from './generated/prisma/client';
export type { Logger } from './logger';
export type { Database, MigrationErrorCode, MigrationOptions, MigrationStatus } from './migrations';
export { applyMigrations, MigrationError, migrationStatus } from './migrations';
export { isDatabaseUnavailable } from './unavailable';
