import { useSyncExternalStore } from 'react';
import { isExpired, readClaims, type TokenClaims } from './claims';

export interface Session {
  token: string;
  claims: TokenClaims;
}

interface SessionState {
  session: Session | null;
  /** Why the user is back at sign-in (e.g. the token expired); shown there once. */
  notice: string | null;
}

// sessionStorage, not localStorage: a bearer token should not outlive the browser session, and a pasted
// production token should not linger on a shared machine.
const STORAGE_KEY = 'campaigns.token';

function restore(): Session | null {
  const token = globalThis.sessionStorage?.getItem(STORAGE_KEY);
  if (!token) return null;
  const claims = readClaims(token);
  return claims && !isExpired(claims) ? { token, claims } : null;
}

let state: SessionState = { session: restore(), notice: null };
const listeners = new Set<() => void>();

function update(next: SessionState) {
  state = next;
  if (next.session) sessionStorage.setItem(STORAGE_KEY, next.session.token);
  else sessionStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export type SignInResult = { ok: true } | { ok: false; message: string };

/** The signed-in session: a tiny external store, read by React and by the API client on every request. */
export const sessionStore = {
  get: (): SessionState => state,
  token: (): string | null => state.session?.token ?? null,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  signIn(token: string): SignInResult {
    const trimmed = token.trim();
    const claims = readClaims(trimmed);
    if (!claims)
      return { ok: false, message: 'This does not look like an access token. Paste the whole token.' };
    if (isExpired(claims)) return { ok: false, message: 'This token has expired. Ask for a new one.' };
    update({ session: { token: trimmed, claims }, notice: null });
    return { ok: true };
  },
  signOut(notice: string | null = null): void {
    update({ session: null, notice });
  },
};

export const useSession = (): SessionState => useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
