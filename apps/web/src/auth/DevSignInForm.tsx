import { type FormEvent, useState } from 'react';
import { ActionError } from '../ui/ActionError';
import { requestDevToken } from './dev-token';
import { sessionStore } from './session';

/** Development only: the server signs a token for any brand and user (it offers this only with its dev secret). */
export function DevSignInForm() {
  const [brandId, setBrandId] = useState('brand_demo');
  const [sub, setSub] = useState('user_demo');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      const result = sessionStore.signIn(await requestDevToken(brandId.trim(), sub.trim()));
      if (!result.ok) setError(result.message);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'Sign-in failed.');
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form card" onSubmit={submit} aria-labelledby="dev-sign-in-heading">
      <h2 id="dev-sign-in-heading">Development sign-in</h2>
      <p className="note">This server runs with its development key, so it can sign you in as anyone.</p>
      <div className="field">
        <label htmlFor="dev-brand">Brand ID</label>
        <input id="dev-brand" required value={brandId} onChange={(event) => setBrandId(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="dev-sub">User ID</label>
        <input id="dev-sub" required value={sub} onChange={(event) => setSub(event.target.value)} />
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
      <ActionError message={error} />
    </form>
  );
}
