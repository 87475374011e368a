import { initTRPC } from '@trpc/server';
import { describe, expect, it } from 'vitest';

// patches/@trpc__server@11.22.1.patch replaces tRPC's object-spread helper (Object.assign instead of a
// defineProperty per key; docs/performance.md). What a middleware sees must not change: these are the
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
