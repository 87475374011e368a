import { campaignsRouter } from './routers/campaigns';
import { eventsRouter } from './routers/events';
import { webhooksRouter } from './routers/webhooks';
import { router } from './trpc';
import { createCallerFactory } from './trpc/init';

export const appRouter = router({
  campaigns: campaignsRouter,
  events: eventsRouter,
  webhooks: webhooksRouter,
});

/** The one type clients import (`import type`), never the router's code. */
export type AppRouter = typeof appRouter;

/** The router called in-process: `createCaller(context)` (tests of the rules without HTTP). */
export const createCaller = createCallerFactory(appRouter);
