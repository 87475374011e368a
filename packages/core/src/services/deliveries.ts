import type { CampaignIdInput, DeliveryList } from '@campaigns/contract';
import { notFound } from '../domain/errors';
import { isPlausibleId } from '../domain/ids';
import type { Actor, ServiceDeps } from './deps';
import { toDelivery } from './mappers';

/** The campaign's fired steps in firing order (which is position order). */
export async function listDeliveries(
  deps: ServiceDeps,
  actor: Actor,
  input: CampaignIdInput,
): Promise<DeliveryList> {
  if (!isPlausibleId(input.id)) throw notFound('Campaign');
  const campaign = await deps.db.campaign.findFirst({
    where: { id: input.id, brandId: actor.brandId },
    select: { deliveries: { orderBy: { position: 'asc' } } },
  });
  if (!campaign) throw notFound('Campaign');
  return { items: campaign.deliveries.map(toDelivery) };
}
