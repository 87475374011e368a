import { CAMPAIGN_LIMITS } from '@campaigns/contract';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC, useTRPCClient } from '../../../api/trpc';
import type { CampaignStatus } from '../../../api/types';
import { ActionError } from '../../../ui/ActionError';
import { STATUS_LABELS } from '../status';
import { CampaignListItem } from './CampaignListItem';

const FIRST_PAGE: string | null = null;

/**
 * One page after another through the API's keyset cursor (`next_cursor`), with a "Show more" button.
 * Not `infiniteQueryOptions`: tRPC's helper adds a `direction` key, which the strict list input refuses.
 */
export function CampaignList({ status, q }: { status: CampaignStatus | undefined; q: string | undefined }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const input = {
    limit: CAMPAIGN_LIMITS.pageSizeDefault,
    ...(status ? { status } : {}),
    ...(q ? { q } : {}),
  };
  const query = useInfiniteQuery({
    queryKey: trpc.campaigns.list.infiniteQueryKey(input),
    queryFn: ({ pageParam, signal }) =>
      client.campaigns.list.query(pageParam ? { ...input, cursor: pageParam } : input, { signal }),
    initialPageParam: FIRST_PAGE,
    getNextPageParam: (page) => page.next_cursor,
  });
  const campaigns = query.data?.pages.flatMap((page) => page.items) ?? [];

  // After "Show more", focus moves to the first newly loaded campaign rather than staying on the button.
  const listRef = useRef<HTMLUListElement>(null);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  useEffect(() => {
    if (focusIndex === null || campaigns.length <= focusIndex) return;
    listRef.current?.querySelectorAll('a')[focusIndex]?.focus();
    setFocusIndex(null);
  }, [focusIndex, campaigns.length]);

  // A failed "Show more" keeps the pages already shown; the error appears next to the button.
  if (!query.data) {
    if (query.isError) return <ActionError message={describeError(query.error, 'load').summary} />;
    return <p aria-busy="true">Loading campaigns…</p>;
  }
  if (campaigns.length === 0) {
    return (
      <p className="empty">
        {q
          ? `No ${status ? `${STATUS_LABELS[status].toLowerCase()} ` : ''}campaigns whose name contains “${q}”.`
          : status
            ? `No ${STATUS_LABELS[status].toLowerCase()} campaigns.`
            : 'No campaigns yet.'}
      </p>
    );
  }

  return (
    <>
      <ul className="campaign-list" ref={listRef}>
        {campaigns.map((campaign) => (
          <CampaignListItem key={campaign.id} campaign={campaign} />
        ))}
      </ul>
      {query.isError ? <ActionError message={describeError(query.error, 'load').summary} /> : null}
      {query.hasNextPage ? (
        <button
          type="button"
          className="button"
          // Not disabled while loading: a disabled button would drop the keyboard focus.
          aria-busy={query.isFetchingNextPage}
          onClick={() => {
            if (query.isFetchingNextPage) return;
            setFocusIndex(campaigns.length);
            void query.fetchNextPage();
          }}
        >
          {query.isFetchingNextPage ? 'Loading…' : 'Show more campaigns'}
        </button>
      ) : null}
    </>
  );
}
