import { campaignsRouter } from './routers/campaigns';
import { eventsRouter } from './routers/events';
import { webhooksRouter } from './routers/webhooks';
import { router } from './trpc';

export const appRouter = router({
  campaigns: campaignsRouter,
  events: eventsRouter,
  webhooks: webhooksRouter,
});

/** The one type clients import (`import type`), never the router's code. */
export type AppRouter = typeof appRouter;
