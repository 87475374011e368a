import { CAMPAIGN_LIMITS } from '@campaigns/contract';
import { useEffect, useState } from 'react';

const TYPING_PAUSE_MS = 300;

interface SearchBoxProps {
  /** The search in the URL. */
  value: string;
  onChange: (q: string) => void;
}

/** Search by name: the URL follows the text after a pause in typing, so a search can be shared. */
export function SearchBox({ value, onChange }: SearchBoxProps) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  const tooShort = text.length > 0 && text.length < CAMPAIGN_LIMITS.searchMin;
  const tooLong = text.length > CAMPAIGN_LIMITS.searchMax;
  return (
    <div className="filter">
      <label htmlFor="campaign-search">Search by name</label>
      <input
        id="campaign-search"
        type="search"
        autoComplete="off"
        value={text}
        aria-describedby="campaign-search-hint"
        onChange={(event) => setText(event.target.value)}
      />
      <p className="field__hint" id="campaign-search-hint">
        {tooShort
          ? `Type at least ${CAMPAIGN_LIMITS.searchMin} characters to search.`
          : tooLong
            ? `Use at most ${CAMPAIGN_LIMITS.searchMax} characters to search.`
            : 'Part of a name, any case.'}
      </p>
    </div>
  );
}
