import { AppShell } from './AppShell';
import { ApiProvider } from './api/ApiProvider';
import { LiveEvents } from './api/LiveEvents';
import { SignInScreen } from './auth/SignInScreen';
import { sessionStore, useSession } from './auth/session';
import { Screens } from './Screens';
import { AnnouncerProvider } from './ui/Announcer';

const EXPIRED = 'Your sign-in has expired. Please sign in again.';

/** Signed out: the sign-in screen. Signed in: the app, with an API client and cache for that session only. */
export function App() {
  const { session, notice } = useSession();
  return (
    <AnnouncerProvider>
      {session ? (
        <ApiProvider
          key={session.token}
          getToken={sessionStore.token}
          onUnauthorized={() => sessionStore.signOut(EXPIRED)}
        >
          <LiveEvents>
            <AppShell session={session}>
              <Screens />
            </AppShell>
          </LiveEvents>
        </ApiProvider>
      ) : (
        <SignInScreen notice={notice} />
      )}
    </AnnouncerProvider>
  );
}
