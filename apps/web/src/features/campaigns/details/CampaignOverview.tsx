import { useState } from 'react';
import type { Campaign } from '../../../api/types';
import { useCanChange } from '../../../auth/permissions';
import { usePendingFocus } from '../../../ui/usePendingFocus';
import { can } from '../status';
import { CampaignSummary } from './CampaignSummary';
import { EditDetailsForm } from './EditDetailsForm';

/** The campaign's facts, and in a draft the form to change its name, description and segment. */
export function CampaignOverview({ campaign }: { campaign: Campaign }) {
  const [editing, setEditing] = useState(false);
  const focusLater = usePendingFocus();
  const canChange = useCanChange();
  const editable = canChange && can.editDetails(campaign.status);

  return (
    <section className="section" aria-labelledby="overview-heading">
      <h2 id="overview-heading">Overview</h2>
      {editing && editable ? (
        <EditDetailsForm
          campaign={campaign}
          onClose={() => {
            setEditing(false);
            focusLater('edit-details');
          }}
        />
      ) : (
        <>
          <CampaignSummary campaign={campaign} />
          {editable ? (
            <button type="button" id="edit-details" className="button" onClick={() => setEditing(true)}>
              Edit details
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
