// A choice among options (React Aria Select): a button showing the choice, a French list box
// (keyboard, type-ahead, sections), the same look in every form. Values are the same strings as
// the former native selects'; `''` (nothing chosen) is an option like the others when offered.
import { Check, ChevronDown } from 'lucide-react';
import {
  Button,
  Header,
  Label,
  ListBox,
  ListBoxItem,
  ListBoxSection,
  Popover,
  Select,
  SelectValue,
} from 'react-aria-components';
import './selectField.css';

export interface SelectOption {
  value: string;
  label: string;
  /** Options with the same section are listed under that heading (native `optgroup`). */
  section?: string;
  /** Nesting level, shown as an indent (a page under another). */
  depth?: number;
}

export interface SelectFieldProps {
  id?: string;
  label: string;
  value: string;
  options: readonly SelectOption[];
  onChange: (value: string) => void;
  /** Shown when the value is none of the options (e.g. « — Choisir — »). */
  placeholder?: string;
  isDisabled?: boolean;
  isRequired?: boolean;
  isInvalid?: boolean;
  'aria-describedby'?: string;
  dataField?: string;
  onBlur?: () => void;
  className?: string;
}

/** React Aria keys cannot be empty: `''` travels under this one. */
const EMPTY = '\u0000vide';
const toKey = (value: string) => (value === '' ? EMPTY : value);
const fromKey = (key: string) => (key === EMPTY ? '' : key);

export function SelectField(props: SelectFieldProps) {
  const known = props.options.some((o) => o.value === props.value);
  const sections: Array<{ name: string | undefined; options: SelectOption[] }> = [];
  for (const option of props.options) {
    const last = sections[sections.length - 1];
    if (last && last.name === option.section) last.options.push(option);
    else sections.push({ name: option.section, options: [option] });
  }
  const item = (o: SelectOption) => (
    <ListBoxItem
      key={toKey(o.value)}
      id={toKey(o.value)}
      textValue={o.label}
      className="rac-select-option"
      style={o.depth ? { paddingInlineStart: `calc(var(--s2) + ${o.depth * 1.25}rem)` } : undefined}
    >
      {({ isSelected }) => (
        <>
          <span>{o.label}</span>
          {isSelected && <Check aria-hidden="true" size={16} />}
        </>
      )}
    </ListBoxItem>
  );
  return (
    <Select
      id={props.id}
      className={`rac-select ${props.className ?? ''}`}
      // A stored value none of the options has stays as it is until the agent chooses.
      selectedKey={known ? toKey(props.value) : null}
      onSelectionChange={(key) => {
        if (key !== null) props.onChange(fromKey(String(key)));
      }}
      placeholder={props.placeholder ?? 'Choisir…'}
      isDisabled={props.isDisabled}
      isRequired={props.isRequired}
      isInvalid={props.isInvalid}
      validationBehavior="aria"
      aria-describedby={props['aria-describedby']}
      data-field={props.dataField}
      onBlur={props.onBlur}
    >
      <Label>{props.label}</Label>
      <Button className="rac-select-button">
        <SelectValue className="rac-select-value" />
        <ChevronDown aria-hidden="true" size={18} />
      </Button>
      <Popover className="rac-select-popover" placement="bottom start">
        <ListBox className="rac-select-list">
          {sections.map((s, i) =>
            s.name ? (
              <ListBoxSection key={`${s.name}-${i}`} className="rac-select-section">
                <Header className="rac-select-header">{s.name}</Header>
                {s.options.map(item)}
              </ListBoxSection>
            ) : (
              s.options.map(item)
            ),
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}
