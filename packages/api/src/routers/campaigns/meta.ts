import type { Meta } from '../../trpc';

type OpenApi = NonNullable<Meta['openapi']>;

/** Error responses every authenticated operation can give; 412 is added where a state rule applies. */
const COMMON_ERRORS = {
  400: 'Validation failed',
  401: 'Missing, malformed, badly signed or expired bearer token',
  403: 'The token lacks the required scope',
  404: 'Campaign not found (or another brand’s)',
  500: 'Unexpected server error',
} as const;

/** REST metadata of a campaigns operation: the route, its docs and the errors it declares. */
export const restRoute = (
  route: Pick<OpenApi, 'method' | 'path' | 'operationId' | 'summary' | 'description'> & {
    successStatus?: 200 | 201;
    badState?: string;
    successDescription?: string;
  },
): Meta => ({
  ...(route.successStatus ? { successStatus: route.successStatus } : {}),
  openapi: {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: ['campaigns'],
    protect: true,
    ...(route.successDescription ? { successDescription: route.successDescription } : {}),
    errorResponses: route.badState ? { ...COMMON_ERRORS, 412: route.badState } : COMMON_ERRORS,
  },
});

export const CAMPAIGNS_PATH = '/v1/messaging/campaigns';
export const CAMPAIGN_PATH = `${CAMPAIGNS_PATH}/{id}` as const;
