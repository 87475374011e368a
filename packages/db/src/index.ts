export type { PrismaClientOptions, SqlRunner, TextRow, TransactionOptions } from './client';
export {
  createPrismaClient,
  pipelinedTransaction,
  queryRows,
  queryTextRows,
  readRows,
  readTextRows,
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
export { isoFromTimestamptz } from './text-values';
export { isDatabaseUnavailable } from './unavailable';
