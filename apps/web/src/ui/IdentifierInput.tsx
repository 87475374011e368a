import type { ControlProps } from './Field';

interface IdentifierInputProps {
  control: ControlProps;
  value: string;
  onChange: (value: string) => void;
}

/**
 * A text input for an identifier (a template or segment id): no autocomplete or spellcheck. Not bounded
 * by `maxLength`, which would cut a pasted value silently: the form's check says when it is too long.
 */
export function IdentifierInput({ control, value, onChange }: IdentifierInputProps) {
  return (
    <input
      {...control}
      type="text"
      autoComplete="off"
      spellCheck={false}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
