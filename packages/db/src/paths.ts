import { fileURLToPath } from 'node:url';

// Code runs from .ts source (tsx/vitest, no build), so paths relative to this file are stable.
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `<repo>/prisma/migrations`, the directory `prisma.config.ts` points at. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

/** Where the embedded development database lives (gitignored). */
export const defaultDataDir = fileURLToPath(new URL('../../../.data/postgres', import.meta.url));
