import { initTRPC, TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// patches/@trpc__server@11.22.1.patch (docs/performance.md) replaces tRPC's object-spread helper
// (Object.assign instead of a defineProperty per key), and has tRPC validate with a Zod schema's
// synchronous parse, falling back to parseAsync only for a schema that needs it. What a middleware sees must not change: these are the
// helper's paths as tRPC's procedure call takes them (options copied per middleware level, `next({ ctx })`
// merged into the context).
const MARK = Symbol('mark');

describe('tRPC with the object-spread patch', () => {
  const t = initTRPC.context<Record<PropertyKey, unknown>>().create();

  it('merges `next({ ctx })` into the context: every key kept, the later one winning, symbols too', async () => {
    const router = t.router({
      probe: t.procedure
        .use(({ next }) => next({ ctx: { added: 1, replaced: 'new', [MARK]: 'symbol' } }))
        .use(({ ctx, next }) => next({ ctx: { seenBySecond: Object.keys(ctx).sort() } }))
        .query(({ ctx, input, path }) => ({ ctx, input, path })),
    });
    const result = await t.createCallerFactory(router)({ base: true, replaced: 'old' }).probe();
    expect(result.ctx).toEqual({
      base: true,
      replaced: 'new',
      added: 1,
      seenBySecond: ['added', 'base', 'replaced'],
      [MARK]: 'symbol',
    });
    expect({ path: result.path, input: result.input }).toEqual({ path: 'probe', input: undefined });
  });

  it('an own `__proto__` key stays an own key and changes no prototype', async () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
    const router = t.router({
      probe: t.procedure
        .use(({ next }) => next({ ctx: hostile }))
        .query(({ ctx }) => ({
          prototypeIsObject: Object.getPrototypeOf(ctx) === Object.prototype,
          polluted: (ctx as { polluted?: unknown }).polluted,
          ownProto: Object.hasOwn(ctx, '__proto__'),
          plain: ctx.plain,
        })),
    });
    const result = await t.createCallerFactory(router)({}).probe();
    expect(result).toEqual({ prototypeIsObject: true, polluted: undefined, ownProto: true, plain: 1 });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

/** `schema`, counting the calls of its parseAsync. */
function countingParseAsync<S extends z.ZodType>(schema: S): { schema: S; calls: () => number } {
  let calls = 0;
  const parseAsync = schema.parseAsync.bind(schema);
  schema.parseAsync = (data, params) => {
    calls++;
    return parseAsync(data, params);
  };
  return { schema, calls: () => calls };
}

describe('tRPC with the synchronous-validation patch', () => {
  const t = initTRPC.create();

  it('validates input and output with parse, not parseAsync (Zod compiles only its synchronous path)', async () => {
    const input = countingParseAsync(z.strictObject({ name: z.string().min(1) }));
    const output = countingParseAsync(z.strictObject({ greeting: z.string() }));
    const router = t.router({
      greet: t.procedure
        .input(input.schema)
        .output(output.schema)
        .query(({ input: { name } }) => ({ greeting: `hi ${name}` })),
    });
    const caller = t.createCallerFactory(router)({});
    expect(await caller.greet({ name: 'ada' })).toEqual({ greeting: 'hi ada' });
    const refused = await caller.greet({ name: '' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe('BAD_REQUEST');
    expect((refused as TRPCError).cause?.name).toBe('ZodError');
    expect({ input: input.calls(), output: output.calls() }).toEqual({ input: 0, output: 0 });
  });

  it('a schema with an async refinement still validates, through parseAsync', async () => {
    const input = countingParseAsync(z.string().refine(async (value) => value !== 'taken', 'Taken'));
    const router = t.router({ claim: t.procedure.input(input.schema).mutation(({ input: name }) => name) });
    const caller = t.createCallerFactory(router)({});
    expect(await caller.claim('free')).toBe('free');
    const refused = await caller.claim('taken').catch((error: unknown) => error);
    expect((refused as TRPCError).code).toBe('BAD_REQUEST');
    expect((refused as TRPCError).cause?.name).toBe('ZodError');
    expect(input.calls()).toBe(2);
  });

  it('passes on what a schema throws as it is, even a value without a prototype', async () => {
    const thrown = Object.assign(Object.create(null) as object, { reason: 'refused by a transform' });
    const input = z.string().transform(() => {
      throw thrown;
    });
    const router = t.router({ echo: t.procedure.input(input).query(({ input: value }) => value) });
    const refused = await t
      .createCallerFactory(router)({})
      .echo('x')
      .catch((error: unknown) => error);
    expect((refused as TRPCError).code).toBe('BAD_REQUEST');
    expect((refused as TRPCError).cause).not.toBeInstanceOf(TypeError);
    expect((refused as TRPCError).cause).toMatchObject({ reason: 'refused by a transform' });
  });
});
