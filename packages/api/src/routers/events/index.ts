import { router } from '../../trpc';
import { list } from './list';

export const eventsRouter = router({ list });
