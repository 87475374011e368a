import { CreateCampaignScreen } from './features/campaigns/create/CreateCampaignScreen';
import { CampaignDetailScreen } from './features/campaigns/detail/CampaignDetailScreen';
import { CampaignListScreen } from './features/campaigns/list/CampaignListScreen';
import { WebhooksScreen } from './features/webhooks/WebhooksScreen';
import { Link, useLocation } from './router/history';
import { matchRoute, paths } from './router/routes';
import { PageHeading } from './ui/PageHeading';

/** The screen for the current URL. Keys make each screen start fresh (and focus its heading) on navigation. */
export function Screens() {
  const route = matchRoute(useLocation().pathname);
  switch (route.name) {
    case 'list':
      return <CampaignListScreen key="list" />;
    case 'create':
      return <CreateCampaignScreen key="create" />;
    case 'detail':
      return <CampaignDetailScreen key={route.campaignId} campaignId={route.campaignId} />;
    case 'webhooks':
      return <WebhooksScreen key="webhooks" />;
    case 'notFound':
      return (
        <>
          <PageHeading>Page not found</PageHeading>
          <p>
            <Link to={paths.list()}>Go to all campaigns</Link>
          </p>
        </>
      );
  }
}
