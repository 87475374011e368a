import { EVENT_LIMITS } from '@campaigns/contract';
import { useInfiniteQuery } from '@tanstack/react-query';
import { describeError } from '../../../api/describe-error';
import { useTRPC, useTRPCClient } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { formatInstant } from '../../../forms/datetime';
import { ActionError } from '../../../ui/ActionError';
import { actionLabel, describeEventChanges, stepOf } from './describe-event';

const FIRST_PAGE: string | null = null;
const PAGE_SIZE = 20;

/** The campaign's audit trail, oldest first: who did what and when, and what it changed. */
export function HistorySection({ campaign }: { campaign: Campaign }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const input = { id: campaign.id, limit: Math.min(PAGE_SIZE, EVENT_LIMITS.pageSizeMax) };
  const events = useInfiniteQuery({
    // updated_at in the key: every change of the campaign re-reads its history.
    queryKey: [...trpc.campaigns.listEvents.infiniteQueryKey(input), campaign.updated_at],
    queryFn: ({ pageParam, signal }) =>
      client.campaigns.listEvents.query(pageParam ? { ...input, cursor: pageParam } : input, { signal }),
    initialPageParam: FIRST_PAGE,
    getNextPageParam: (page) => page.next_cursor,
  });
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="section" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {events.isPending ? <p aria-busy="true">Loading history…</p> : null}
      {events.isError ? <ActionError message={describeError(events.error, 'load').summary} /> : null}
      {items.length > 0 ? (
        <ol className="history">
          {items.map((event) => {
            const changes = describeEventChanges(event);
            const step = stepOf(event);
            return (
              <li key={event.id} className="history__item">
                <span className="history__when">
                  <time dateTime={event.occurred_at}>
                    {formatInstant(event.occurred_at, { seconds: true })}
                  </time>
                </span>
                <span className="history__what">
                  <strong>{event.actor_type === 'system' ? 'Dispatcher' : event.actor}</strong>{' '}
                  {actionLabel(event.action).toLowerCase()}
                  {step ? ` ${step}` : ''}
                </span>
                {changes.length > 0 ? <span className="history__changes">{changes.join('; ')}</span> : null}
              </li>
            );
          })}
        </ol>
      ) : null}
      {events.hasNextPage ? (
        <button
          type="button"
          className="button"
          aria-busy={events.isFetchingNextPage}
          onClick={() => {
            if (!events.isFetchingNextPage) void events.fetchNextPage();
          }}
        >
          {events.isFetchingNextPage ? 'Loading…' : 'Show more history'}
        </button>
      ) : null}
    </section>
  );
}
