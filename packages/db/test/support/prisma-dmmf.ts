import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Prisma's own schema parser, for tests: `get_dmmf` from the `prisma_schema_build_bg.wasm` shipped
 * in the installed `prisma` CLI package (@prisma/internals, its usual JS wrapper, is not installed).
 * This is a minimal wasm-bindgen binding for one string-in/string-out function; if a Prisma upgrade
 * changes that ABI, loading fails loudly rather than parsing wrongly.
 */

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
  relationName?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  dbName?: string;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc'; length?: number; operatorClass?: string }[];
}

export interface DmmfDatamodel {
  enums: { name: string; dbName: string | null; values: { name: string; dbName: string | null }[] }[];
  models: DmmfModel[];
  indexes: DmmfIndex[];
}

// The slice of the WebAssembly JS API used here (this project's TS libs carry no WebAssembly types).
interface WasmApi {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string }[] };
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface SchemaWasm {
  memory: { buffer: ArrayBuffer };
  __wbindgen_externrefs: {
    grow(delta: number): number;
    get(index: number): unknown;
    set(index: number, value: unknown): void;
  };
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __externref_table_dealloc(index: number): void;
  __wbindgen_start(): void;
  get_dmmf(ptr: number, len: number): [number, number, number, number];
}

async function loadSchemaWasm(): Promise<SchemaWasm> {
  const require = createRequire(import.meta.url);
  const wasmFile = path.join(
    path.dirname(require.resolve('prisma/package.json')),
    'build/prisma_schema_build_bg.wasm',
  );
  const module = new Module(await readFile(wasmFile));
  let wasm: SchemaWasm | undefined;
  const text = (ptr: number, len: number) =>
    new TextDecoder().decode(new Uint8Array(wasm!.memory.buffer, ptr, len));
  // wasm-bindgen import names end in a build hash; match them by prefix and refuse unknown imports.
  const handlers: Record<string, (...args: number[]) => unknown> = {
    __wbg_Error_: (ptr, len) => new Error(text(ptr!, len!)),
    __wbg___wbindgen_throw_: (ptr, len) => {
      throw new Error(text(ptr!, len!));
    },
    __wbg_set_message_: () => undefined, // panic message registry (unused: panics still throw)
    __wbindgen_init_externref_table: () => {
      const table = wasm!.__wbindgen_externrefs;
      const base = table.grow(4);
      table.set(0, undefined);
      table.set(base, undefined);
      table.set(base + 1, null);
      table.set(base + 2, true);
      table.set(base + 3, false);
    },
  };
  const imports: Record<string, Record<string, (...args: number[]) => unknown>> = {};
  for (const { module: from, name } of Module.imports(module)) {
    const prefix = Object.keys(handlers).find((p) => name.startsWith(p));
    if (!prefix)
      throw new Error(`${wasmFile}: unexpected import ${name} (Prisma upgrade? update this binding)`);
    imports[from] ??= {};
    imports[from][name] = handlers[prefix]!;
  }
  wasm = new Instance(module, imports).exports as SchemaWasm;
  wasm.__wbindgen_start();
  return wasm;
}

/** The DMMF datamodel of a schema file, exactly as Prisma's generators see it. */
export async function getDatamodel(schemaPath: string): Promise<DmmfDatamodel> {
  const wasm = await loadSchemaWasm();
  const input = new TextEncoder().encode(
    JSON.stringify({ prismaSchema: await readFile(schemaPath, 'utf8'), noColor: true }),
  );
  const ptr = wasm.__wbindgen_malloc(input.length, 1);
  new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
  const [outPtr, outLen, errorRef, isError] = wasm.get_dmmf(ptr, input.length);
  if (isError) {
    const error: unknown = wasm.__wbindgen_externrefs.get(errorRef);
    wasm.__externref_table_dealloc(errorRef);
    throw error;
  }
  try {
    const dmmf = JSON.parse(new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, outPtr, outLen)));
    return (dmmf as { datamodel: DmmfDatamodel }).datamodel;
  } finally {
    wasm.__wbindgen_free(outPtr, outLen, 1);
  }
}
