/** The strategy picker shared by the strategies and backtests forms. */
import type { StrategyOut } from "../api/types";
import { Field } from "./Field";

interface Props {
  id: string;
  strategies: StrategyOut[];
  value: string;
  error?: string;
  onChange: (name: string) => void;
}

export function StrategySelect({ id, strategies, value, error, onChange }: Props) {
  return (
    <Field id={id} label="Strategy" error={error}>
      {(aria) => (
        <select {...aria} value={value} onChange={(e) => onChange(e.target.value)}>
          {strategies.map((s) => (
            <option key={s.name} value={s.name}>
              {s.title ?? s.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
