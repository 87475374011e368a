/** The app's screens. Paths are real URLs (the server falls back to index.html), so links can be shared. */
export type Route =
  | { name: 'list' }
  | { name: 'create' }
  | { name: 'detail'; campaignId: string }
  | { name: 'webhooks' }
  | { name: 'notFound' };

export const paths = {
  list: (status?: string, q?: string) => {
    const query = new URLSearchParams();
    if (status) query.set('status', status);
    if (q) query.set('q', q);
    const search = query.toString();
    return search ? `/?${search}` : '/';
  },
  create: () => '/campaigns/new',
  webhooks: () => '/webhooks',
  detail: (campaignId: string) => `/campaigns/${encodeURIComponent(campaignId)}`,
};

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'list' };
  if (path === '/campaigns/new') return { name: 'create' };
  if (path === '/webhooks') return { name: 'webhooks' };
  const detail = /^\/campaigns\/([^/]+)$/.exec(path);
  if (detail?.[1]) {
    try {
      return { name: 'detail', campaignId: decodeURIComponent(detail[1]) };
    } catch {
      return { name: 'notFound' };
    }
  }
  return { name: 'notFound' };
}
