// A date, date-time or time field in French whatever the computer's language (React Aria under
// the app's I18nProvider fr-FR): JJ/MM/AAAA, 24-hour clock, a French calendar to pick the day.
// It reads and writes the stored strings unchanged (dateValues); a stored value it cannot read
// is shown as it is and kept until the agent types a new one or empties it on purpose.
import { CalendarDays, ChevronLeft, ChevronRight } from 'lucide-react';
import type { ReactNode } from 'react';
import {
  Button,
  Calendar,
  CalendarCell,
  CalendarGrid,
  DateInput,
  DatePicker,
  DateSegment,
  Dialog,
  Group,
  Heading,
  Label,
  Popover,
  TimeField,
} from 'react-aria-components';
import { Time } from '@internationalized/date';
import { type DateKind, type FieldOutput, readStored, storedAfterChange } from './dateValues';
import './dateTimeInput.css';

export interface DateTimeInputProps {
  /** The id an error summary's link or a « corriger » link focuses (its first segment). */
  id: string;
  kind: DateKind;
  label: ReactNode;
  /** The stored string. */
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  isDisabled?: boolean;
  isRequired?: boolean;
  isInvalid?: boolean;
  'aria-describedby'?: string;
  /** The field's name for PublishIssues' « corriger » links. */
  dataField?: string;
}

export const MALFORMED_FR = (raw: string) =>
  `Valeur enregistrée illisible : « ${raw} ». Elle est conservée tant que vous n’en saisissez pas une autre.`;

export function DateTimeInput(props: DateTimeInputProps) {
  const { id, kind, value } = props;
  const stored = readStored(kind, value);
  const current = stored.state === 'ok' ? stored.value : null;
  const malformedId = `${id}-malformed`;
  const describedBy =
    [props['aria-describedby'], stored.state === 'malformed' ? malformedId : ''].filter(Boolean).join(' ') ||
    undefined;
  const change = (next: FieldOutput | null) => {
    const written = storedAfterChange(kind, value, next);
    if (written !== undefined) props.onChange(written);
  };
  const common = {
    isDisabled: props.isDisabled,
    isRequired: props.isRequired,
    isInvalid: props.isInvalid || stored.state === 'malformed',
    'aria-describedby': describedBy,
    onBlur: props.onBlur,
    hourCycle: 24 as const,
    shouldForceLeadingZeros: true,
    validationBehavior: 'aria' as const,
  };
  const input = (
    <DateInput className="rac-date-input">
      {(segment) => <DateSegment segment={segment} className="rac-date-segment" />}
    </DateInput>
  );
  return (
    <div id={id} className="date-time-input" data-field={props.dataField}>
      {kind === 'time' || kind === 'time-seconds' ? (
        <TimeField
          {...common}
          className="rac-time-field"
          granularity={kind === 'time' ? 'minute' : 'second'}
          value={current instanceof Time ? current : null}
          onChange={change}
        >
          <Label>{props.label}</Label>
          {/* Only the border: the time field's own group carries the name. */}
          <Group className="rac-date-group" role="presentation">
            {input}
          </Group>
        </TimeField>
      ) : (
        <DatePicker
          {...common}
          className="rac-date-picker"
          granularity={kind === 'datetime' ? 'minute' : 'day'}
          value={current instanceof Time ? null : current}
          onChange={change}
        >
          <Label>{props.label}</Label>
          <Group className="rac-date-group">
            {input}
            <Button className="rac-date-button">
              <CalendarDays aria-hidden="true" size={18} />
            </Button>
          </Group>
          <Popover className="rac-calendar-popover" placement="bottom start">
            <Dialog className="rac-calendar-dialog">
              <FrenchCalendar />
            </Dialog>
          </Popover>
        </DatePicker>
      )}
      {stored.state === 'malformed' && (
        <p id={malformedId} className="error">
          {MALFORMED_FR(stored.raw)}
        </p>
      )}
    </div>
  );
}

function FrenchCalendar() {
  return (
    <Calendar className="rac-calendar">
      <header className="rac-calendar-header">
        <Button slot="previous" className="rac-calendar-nav">
          <ChevronLeft aria-hidden="true" size={18} />
        </Button>
        <Heading className="rac-calendar-heading" />
        <Button slot="next" className="rac-calendar-nav">
          <ChevronRight aria-hidden="true" size={18} />
        </Button>
      </header>
      <CalendarGrid className="rac-calendar-grid" weekdayStyle="short">
        {(date) => <CalendarCell date={date} className="rac-calendar-cell" />}
      </CalendarGrid>
    </Calendar>
  );
}
