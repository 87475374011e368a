// `pnpm openapi:generate`: writes the REST document generated from the router to openapi/openapi.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCommittedOpenApi } from '../src/openapi/committed';

const target = fileURLToPath(new URL('../../../openapi/openapi.json', import.meta.url));
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderCommittedOpenApi());
console.log(`wrote ${target}`);
