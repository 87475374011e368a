import type { ReactNode } from 'react';
import { type Session, sessionStore } from './auth/session';
import { Link } from './router/history';
import { paths } from './router/routes';

/** Header (who is signed in, for which brand), skip link and the main landmark around every screen. */
export function AppShell({ session, children }: { session: Session; children: ReactNode }) {
  const { brandId, sub } = session.claims;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to={paths.list()} className="app-header__title">
          Messaging campaigns
        </Link>
        <nav aria-label="Main" className="app-header__nav">
          <Link to={paths.list()}>Campaigns</Link>
          <Link to={paths.webhooks()}>Webhooks</Link>
        </nav>
        <div className="app-header__user">
          <span>
            {sub ?? 'Signed in'}
            {brandId ? <span className="app-header__brand"> · {brandId}</span> : null}
          </span>
          <button type="button" className="button button--small" onClick={() => sessionStore.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
