/**
 * Key order for the OpenAPI document that depends on nothing but its content: the committed
 * `openapi/openapi.json` must not change when procedures are merely reordered in the router, so that
 * its diff in review is exactly the API change. Schemas keep their own property order (the Zod order).
 */

type Json = Record<string, unknown>;

const TOP_LEVEL = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'security',
  'tags',
  'paths',
  'webhooks',
  'components',
  'externalDocs',
];
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'];

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Known keys first in the given order, then the others alphabetically. */
function ordered(object: Json, first: readonly string[] = []): Json {
  const rank = (key: string) => {
    const index = first.indexOf(key);
    return index === -1 ? first.length : index;
  };
  const keys = Object.keys(object).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, object[key]]));
}

const mapValues = (object: Json, f: (value: unknown) => unknown): Json =>
  Object.fromEntries(Object.entries(object).map(([key, value]) => [key, f(value)]));

function orderOperation(operation: unknown): unknown {
  if (!isObject(operation) || !isObject(operation.responses)) return operation;
  return { ...operation, responses: ordered(operation.responses) };
}

function orderPathItem(item: unknown): unknown {
  if (!isObject(item)) return item;
  // Path-level fields (summary, parameters, …) before the operations, operations in HTTP order.
  const fields = Object.keys(item).filter((key) => !METHODS.includes(key));
  const sorted = ordered(item, [...fields.sort(), ...METHODS]);
  return Object.fromEntries(
    Object.entries(sorted).map(([key, value]) => [
      key,
      METHODS.includes(key) ? orderOperation(value) : value,
    ]),
  );
}

/** A copy of `document` with paths, operations, responses and components in a canonical order. */
export function canonicalOrder<T extends object>(document: T): T {
  const copy: Json = ordered(Object.fromEntries(Object.entries(document)), TOP_LEVEL);
  if (isObject(copy.paths)) copy.paths = mapValues(ordered(copy.paths), orderPathItem);
  if (isObject(copy.components)) {
    copy.components = mapValues(ordered(copy.components), (section) =>
      isObject(section) ? ordered(section) : section,
    );
  }
  return copy as T;
}
