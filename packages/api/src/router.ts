import { campaignsRouter } from './routers/campaigns';
import { eventsRouter } from './routers/events';
import { router } from './trpc';

export const appRouter = router({ campaigns: campaignsRouter, events: eventsRouter });

/** The one type clients import (`import type`), never the router's code. */
export type AppRouter = typeof appRouter;
