import type { ControlProps } from './Field';

interface IdentifierInputProps {
  control: ControlProps;
  maxLength: number;
  value: string;
  onChange: (value: string) => void;
}

/** A text input for an identifier (a template or segment id): no autocomplete or spellcheck, bounded. */
export function IdentifierInput({ control, maxLength, value, onChange }: IdentifierInputProps) {
  return (
    <input
      {...control}
      type="text"
      autoComplete="off"
      spellCheck={false}
      maxLength={maxLength}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
