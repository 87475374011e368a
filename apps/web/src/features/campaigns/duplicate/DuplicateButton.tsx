import { useMutation, useQueryClient } from '@tanstack/react-query';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { navigate } from '../../../router/history';
import { paths } from '../../../router/routes';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';

/** A new draft with the same details, send window and steps, from any status; opens the copy. */
export function DuplicateButton({ campaign }: { campaign: Campaign }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const announce = useAnnounce();
  const duplicate = useMutation(
    trpc.campaigns.duplicate.mutationOptions({
      onSuccess: (copy) => {
        queryClient.setQueryData(trpc.campaigns.get.queryKey({ id: copy.id }), copy);
        void queryClient.invalidateQueries({ queryKey: trpc.campaigns.list.pathKey() });
        announce(`Copied as “${copy.name}”`);
        navigate(paths.detail(copy.id));
      },
    }),
  );
  return (
    <div className="page-header__actions">
      <button
        type="button"
        className="button"
        aria-busy={duplicate.isPending}
        onClick={() => {
          if (!duplicate.isPending) duplicate.mutate({ id: campaign.id });
        }}
      >
        {duplicate.isPending ? 'Duplicating…' : 'Duplicate'}
      </button>
      {duplicate.isError ? (
        <ActionError message={describeError(duplicate.error, 'duplicate').summary} />
      ) : null}
    </div>
  );
}
