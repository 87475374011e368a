import { SCOPES } from '@campaigns/contract';
import { useSession } from './session';

/**
 * Whether the signed-in token may change campaigns (the `messaging:campaigns:write` scope). Only what the
 * screens offer: the server checks every call, and a read-only token is refused there too.
 */
export function useCanChange(): boolean {
  const { session } = useSession();
  return session?.claims.scopes.includes(SCOPES.write) ?? false;
}

export const READ_ONLY_NOTE =
  'You can view campaigns but not change them: your sign-in does not include permission to edit (the messaging:campaigns:write scope).';
