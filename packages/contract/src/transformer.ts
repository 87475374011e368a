import superjson from 'superjson';

/**
 * Whether superjson would write `value` unchanged and without annotations: only JSON's own types (no
 * Date, undefined, -0, NaN, Map, class instances…) and no object reached twice (superjson records
 * repeated references). The API's outputs are such values: their dates are ISO strings already.
 */
function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], seen)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      for (const key in value) {
        if (!isPlainJson((value as Record<string, unknown>)[key], seen)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * The one tRPC data transformer, shared by the server and every client: superjson, with its result
 * written directly for plain JSON (`{ json: value }`, which is what superjson itself returns for it)
 * so that the server does not walk each output twice (docs/performance.md).
 */
export const transformer = {
  serialize: (value: unknown) =>
    isPlainJson(value, new Set()) ? { json: value } : superjson.serialize(value),
  deserialize: <T>(payload: Parameters<typeof superjson.deserialize>[0]): T =>
    superjson.deserialize<T>(payload),
};
