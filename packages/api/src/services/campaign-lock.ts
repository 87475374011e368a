import type { CampaignStatus } from '@campaigns/contract';
import type { Prisma } from '@campaigns/db';
import { notFound } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';
import type { Actor } from './deps';

export type Tx = Prisma.TransactionClient;

/**
 * Locks the actor's campaign row for the rest of the transaction and returns its current status.
 *
 * Every change to a campaign or its steps goes through this lock, so changes to one campaign are
 * serialized: positions stay 0..n-1 under concurrent inserts/moves/removes, and no step can slip into a
 * campaign that a concurrent schedule or cancel just moved out of draft. Statements issued after the
 * lock see the latest committed state (READ COMMITTED takes a new snapshot per statement), which is why
 * step counts are read by a separate statement, not in this one. Another brand's campaign is
 * indistinguishable from a missing one.
 */
export async function lockCampaign(tx: Tx, actor: Actor, id: string): Promise<CampaignStatus> {
  if (!isPlausibleId(id)) throw notFound('Campaign');
  const rows = await tx.$queryRaw<{ status: CampaignStatus }[]>`
    SELECT status::text AS status FROM campaigns
     WHERE id = ${id} AND brand_id = ${actor.brandId}
       FOR UPDATE`;
  const row = rows[0];
  if (!row) throw notFound('Campaign');
  return row.status;
}

export const countSteps = (tx: Tx, campaignId: string): Promise<number> =>
  tx.step.count({ where: { campaignId } });
