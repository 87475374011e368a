import { SCOPES, type Scope } from '@campaigns/contract';
import { useSession } from './session';

/**
 * Whether the signed-in token carries `scope`. Only what the screens offer: the server checks every
 * call, and a token without the scope is refused there too.
 */
export function useHasScope(scope: Scope): boolean {
  const { session } = useSession();
  return session?.claims.scopes.includes(scope) ?? false;
}

/** Whether the signed-in token may change campaigns (the `messaging:campaigns:write` scope). */
export const useCanChange = (): boolean => useHasScope(SCOPES.write);

export const READ_ONLY_NOTE =
  'You can view campaigns but not change them: your sign-in does not include permission to edit (the messaging:campaigns:write scope).';
