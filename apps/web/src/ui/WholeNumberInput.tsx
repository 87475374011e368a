import type { ControlProps } from './Field';

interface WholeNumberInputProps {
  control: ControlProps;
  min: number;
  max: number;
  /** The field's text as typed; the form parses and validates it on submit. */
  value: string;
  onChange: (value: string) => void;
}

/** A number input for whole numbers (a position, minutes): numeric keyboard, bounded, step 1. */
export function WholeNumberInput({ control, min, max, value, onChange }: WholeNumberInputProps) {
  return (
    <input
      {...control}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      value={value}
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
