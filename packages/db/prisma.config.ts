import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// Prisma 7's CLI downloads its native schema engine before every command, even `generate`, which
// never runs it. Pointing the variable at any existing file skips that download on machines without
// internet. `migrate` still needs the real engine; the service applies migrations itself (see
// src/migrations.ts). Where the variable is already set (a machine with the engine), it is kept.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/unused' },
});
