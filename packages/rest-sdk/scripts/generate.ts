// `pnpm sdk:generate`: regenerates src/generated/schema.d.ts from openapi/openapi.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderSchemaTypes, SCHEMA_TYPES_PATH } from './schema-types';

mkdirSync(dirname(SCHEMA_TYPES_PATH), { recursive: true });
writeFileSync(SCHEMA_TYPES_PATH, await renderSchemaTypes());
console.log(`wrote ${SCHEMA_TYPES_PATH}`);
