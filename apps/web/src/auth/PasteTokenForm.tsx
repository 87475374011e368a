import { type FormEvent, useState } from 'react';
import { Field } from '../ui/Field';
import { sessionStore } from './session';

/** Production sign-in: a token issued by the identity provider, pasted as is. The server verifies it. */
export function PasteTokenForm() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = sessionStore.signIn(token);
    if (!result.ok) setError(result.message);
  };

  return (
    <form className="form card" onSubmit={submit} noValidate aria-labelledby="token-sign-in-heading">
      <h2 id="token-sign-in-heading">Sign in with an access token</h2>
      <Field
        name="token"
        label="Access token"
        idPrefix="sign-in"
        hint="Paste the bearer token you were given. It is kept only until you close the browser tab."
        error={error}
      >
        {(control) => (
          <textarea
            {...control}
            rows={4}
            className="mono"
            spellCheck={false}
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        )}
      </Field>
      <div className="form__actions">
        <button type="submit" className="button button--primary">
          Sign in
        </button>
      </div>
    </form>
  );
}
