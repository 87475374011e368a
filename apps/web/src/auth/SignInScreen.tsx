import { useEffect, useState } from 'react';
import { PageHeading } from '../ui/PageHeading';
import { DevSignInForm } from './DevSignInForm';
import { devSignInAvailable } from './dev-token';
import { PasteTokenForm } from './PasteTokenForm';

/**
 * Sign-in needs a bearer token. A development server mints one for a brand and user; any other server
 * needs a token issued elsewhere, pasted here.
 */
export function SignInScreen({ notice }: { notice: string | null }) {
  const [devAvailable, setDevAvailable] = useState<boolean | null>(null);
  useEffect(() => {
    let current = true;
    void devSignInAvailable().then((available) => {
      if (current) setDevAvailable(available);
    });
    return () => {
      current = false;
    };
  }, []);

  return (
    <main className="sign-in" id="main">
      <PageHeading>Sign in to Messaging campaigns</PageHeading>
      {notice ? (
        <p className="notice" role="alert">
          {notice}
        </p>
      ) : null}
      {devAvailable ? <DevSignInForm /> : null}
      <PasteTokenForm />
    </main>
  );
}
