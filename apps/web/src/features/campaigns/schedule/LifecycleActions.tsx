import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { describeError } from '../../../api/describe-error';
import { useTRPC } from '../../../api/trpc';
import type { Campaign } from '../../../api/types';
import { ActionError } from '../../../ui/ActionError';
import { useAnnounce } from '../../../ui/Announcer';
import { onEscape } from '../../../ui/keys';
import { usePendingFocus } from '../../../ui/usePendingFocus';
import { useCampaignCache } from '../detail/useCampaignCache';
import { can } from '../status';
import { useVersionGuard, withChanges } from '../versions/useVersionGuard';

interface LifecycleActionsProps {
  campaign: Campaign;
  /** The buttons vanish once they have done their job; focus then goes to the campaign's new status. */
  onDone: () => void;
}

/** Unschedule (back to draft) and cancel (for good, after a confirmation). */
export function LifecycleActions({ campaign, onDone }: LifecycleActionsProps) {
  const trpc = useTRPC();
  const announce = useAnnounce();
  const cache = useCampaignCache(campaign.id);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const focusLater = usePendingFocus();

  const guard = useVersionGuard();
  const unschedule = useMutation(
    trpc.campaigns.unschedule.mutationOptions({
      trpc: guard.trpc,
      onSuccess: (updated) => {
        cache.setCampaign(updated);
        announce('Campaign unscheduled; it is a draft again');
        onDone();
      },
      onError: (failure) =>
        guard.refused(failure, (changed) =>
          setError(withChanges(describeError(failure, 'unschedule'), changed).summary),
        ),
    }),
  );
  const cancel = useMutation(
    trpc.campaigns.cancel.mutationOptions({
      trpc: guard.trpc,
      onSuccess: (updated) => {
        setConfirmingCancel(false);
        cache.setCampaign(updated);
        announce('Campaign cancelled');
        onDone();
      },
      onError: (failure) => {
        setConfirmingCancel(false);
        guard.refused(failure, (changed) =>
          setError(withChanges(describeError(failure, 'cancel'), changed).summary),
        );
      },
    }),
  );

  const keepCampaign = () => {
    setConfirmingCancel(false);
    focusLater('cancel-campaign');
  };

  if (!can.unschedule(campaign.status) && !can.cancel(campaign.status)) return null;

  return (
    <div className="lifecycle">
      <div className="form__actions">
        {can.unschedule(campaign.status) ? (
          <button
            type="button"
            className="button"
            disabled={unschedule.isPending}
            onClick={() => {
              setError(null);
              unschedule.mutate({ id: campaign.id });
            }}
          >
            {unschedule.isPending ? 'Unscheduling…' : 'Unschedule'}
          </button>
        ) : null}
        {can.cancel(campaign.status) && !confirmingCancel ? (
          <button
            type="button"
            id="cancel-campaign"
            className="button button--danger"
            onClick={() => {
              setError(null);
              setConfirmingCancel(true);
              // The question replaces the button just pressed; focus goes to its answer.
              focusLater('confirm-cancel');
            }}
          >
            Cancel campaign…
          </button>
        ) : null}
      </div>
      {confirmingCancel ? (
        // Escape on either answer means "Keep campaign"; focus returns to the button that asked.
        <div className="confirm-box">
          <p id="cancel-question">
            Cancel this campaign? Steps that have not been sent yet will never be sent. This cannot be undone.
          </p>
          <div className="form__actions">
            <button
              type="button"
              className="button button--danger"
              id="confirm-cancel"
              aria-describedby="cancel-question"
              disabled={cancel.isPending}
              onKeyDown={onEscape(keepCampaign)}
              onClick={() => cancel.mutate({ id: campaign.id })}
            >
              {cancel.isPending ? 'Cancelling…' : 'Yes, cancel campaign'}
            </button>
            <button
              type="button"
              className="button"
              onKeyDown={onEscape(keepCampaign)}
              onClick={keepCampaign}
            >
              Keep campaign
            </button>
          </div>
        </div>
      ) : null}
      <ActionError message={error} />
    </div>
  );
}
