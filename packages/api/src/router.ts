import { campaignsRouter } from './routers/campaigns';
import { router } from './trpc';

export const appRouter = router({ campaigns: campaignsRouter });

/** The one type clients import (`import type`), never the router's code. */
export type AppRouter = typeof appRouter;
