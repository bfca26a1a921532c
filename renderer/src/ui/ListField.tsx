// A repeatable group of fields (élus, associations, opening hours, closures, menus): each
// entry is a labelled group of fields; entries are added, removed (with « Annuler »), and
// moved up or down with buttons, so everything works with the keyboard. Every change is one
// edit of the page's list in the manifest (site/siteDoc editPageList).
import { useEffect, useId, useRef, useState } from 'react';
import {
  type FieldDescriptor,
  type FieldIssue,
  LIST_FIELDS,
  type ListItem,
  splitFlags,
} from '../../../site/pageTypes';
import { CopyHoursDialog } from './forms/CopyHoursDialog';
import type { ListEdit } from '../../../site/siteDoc';
import { Field, type FieldProps } from './FieldsForm';

interface Props {
  /** Prefix of the controls' ids (`{prefix}-{list}-{index}-{field}`, `{prefix}-{list}-add`). */
  idPrefix?: string;
  descriptor: FieldDescriptor;
  items: ListItem[];
  issues: FieldIssue[];
  touched: ReadonlySet<string>;
  readOnly: boolean;
  onEdit: (edit: ListEdit) => void;
  onTouch: (key: string) => void;
  /** The media props of a `media` sub-field of entry `index` (photo of an élu). */
  mediaFor: (index: number, field: string) => FieldProps['media'];
}

type Focus = { index: number; target: 'up' | 'down' | 'first' } | { target: 'undo' | 'add' };

/** The words that name an entry for the agent: « Élu n° 2 (Paul Durand) ». */
function entryName(d: FieldDescriptor, item: ListItem, index: number): string {
  const first = (d.item ?? []).find((s) => s.kind === 'text' || s.kind === 'date' || s.kind === 'select');
  const raw = first ? (item[first.name] ?? '').trim() : '';
  const shown = first?.kind === 'select' ? (first.options?.find((o) => o.value === raw)?.label ?? '') : raw;
  const label = `${d.itemLabel ?? 'Ligne'} n° ${index + 1}`;
  return shown ? `${label} (${shown.slice(0, 60)})` : label;
}

export function ListField({
  idPrefix,
  descriptor: d,
  items,
  issues,
  touched,
  readOnly,
  onEdit,
  onTouch,
  mediaFor,
}: Props) {
  const id = useId();
  const rootRef = useRef<HTMLFieldSetElement>(null);
  const [removed, setRemoved] = useState<{ index: number; item: ListItem; name: string } | null>(null);
  const [focus, setFocus] = useState<Focus | null>(null);
  const max = d.maxItems ?? 100;
  const listIssue = issues.find((i) => i.field === d.name && !i.item);
  const showListIssue = listIssue && touched.has(d.name);

  useEffect(() => {
    if (!focus || !rootRef.current) return;
    const root = rootRef.current;
    let el: HTMLElement | null = null;
    if (!('index' in focus)) el = root.querySelector(`[data-action="${focus.target}"]`);
    else {
      const entry = root.querySelector(`[data-entry="${focus.index}"]`);
      if (focus.target === 'first')
        el =
          entry?.querySelector<HTMLElement>(
            'input:not([type="hidden"]), select:not([tabindex="-1"]), textarea, [role="spinbutton"], .rac-select-button',
          ) ?? null;
      else {
        // Moved to the end it can no longer go: focus stays on the entry, on the other button.
        const wanted = entry?.querySelector<HTMLButtonElement>(`[data-action="${focus.target}"]`);
        const other = entry?.querySelector<HTMLButtonElement>(
          `[data-action="${focus.target === 'up' ? 'down' : 'up'}"]`,
        );
        el = wanted && !wanted.disabled ? wanted : (other ?? null);
      }
    }
    // The entry may appear on a later render (the manifest update arrives after the click).
    if (!el) return;
    el.focus();
    setFocus(null);
  }, [focus, items]);

  const move = (from: number, to: number, target: 'up' | 'down') => {
    onEdit({ op: 'move', from, to });
    setRemoved(null);
    setFocus({ index: to, target });
  };

  return (
    <fieldset className="list-field" ref={rootRef} aria-describedby={d.help ? `${id}-help` : undefined}>
      <legend>
        {d.label}
        {d.required ? ' *' : ''}
      </legend>
      {d.help && (
        <p id={`${id}-help`} className="hint">
          {d.help}
        </p>
      )}
      {items.length === 0 && <p className="hint">Aucune ligne pour l’instant.</p>}
      {items.length > 0 && (
        <ol className="list-entries">
          {items.map((item, index) => {
            const name = entryName(d, item, index);
            return (
              <li key={index} data-entry={index}>
                <fieldset className="list-entry">
                  <legend>{name}</legend>
                  <div className="list-entry-fields">
                    {(d.item ?? []).map((sub) => {
                      const key = `${d.name}.${index}.${sub.name}`;
                      const issue = issues.find(
                        (i) => i.field === d.name && i.item?.index === index && i.item.field === sub.name,
                      );
                      const error = touched.has(key) ? issue?.message : undefined;
                      const set = (value: string) => onEdit({ op: 'set', index, field: sub.name, value });
                      if (sub.kind === 'flags')
                        return (
                          <FlagsField
                            key={sub.name}
                            descriptor={sub}
                            value={item[sub.name] ?? ''}
                            error={error}
                            readOnly={readOnly}
                            onChange={set}
                          />
                        );
                      return (
                        <Field
                          key={sub.name}
                          id={idPrefix ? `${idPrefix}-${d.name}-${index}-${sub.name}` : undefined}
                          descriptor={sub}
                          value={item[sub.name] ?? ''}
                          error={error}
                          readOnly={readOnly}
                          onChange={set}
                          onBlur={() => onTouch(key)}
                          media={sub.kind === 'media' ? mediaFor(index, sub.name) : undefined}
                        />
                      );
                    })}
                  </div>
                  <div className="list-entry-actions">
                    {d.name === LIST_FIELDS.hours.name && (
                      <CopyHoursDialog
                        items={items}
                        index={index}
                        entryName={name}
                        readOnly={readOnly}
                        onEdit={onEdit}
                      />
                    )}
                    <button
                      type="button"
                      className="small"
                      data-action="up"
                      disabled={readOnly || index === 0}
                      aria-label={`Monter ${name}`}
                      onClick={() => move(index, index - 1, 'up')}
                    >
                      Monter
                    </button>
                    <button
                      type="button"
                      className="small"
                      data-action="down"
                      disabled={readOnly || index === items.length - 1}
                      aria-label={`Descendre ${name}`}
                      onClick={() => move(index, index + 1, 'down')}
                    >
                      Descendre
                    </button>
                    <button
                      type="button"
                      className="small danger"
                      disabled={readOnly}
                      aria-label={`Supprimer ${name}`}
                      onClick={() => {
                        onEdit({ op: 'remove', index });
                        setRemoved({ index, item, name });
                        setFocus({ target: 'undo' });
                      }}
                    >
                      Supprimer
                    </button>
                  </div>
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
      <div className="list-field-footer" role="status">
        {removed && (
          <p>
            Ligne supprimée : {removed.name}.{' '}
            <button
              type="button"
              className="small"
              data-action="undo"
              onClick={() => {
                onEdit({ op: 'insert', index: removed.index, item: removed.item });
                setFocus({ index: Math.min(removed.index, items.length), target: 'first' });
                setRemoved(null);
              }}
            >
              Annuler la suppression
            </button>
          </p>
        )}
      </div>
      {showListIssue && <p className="error">{listIssue.message}</p>}
      <button
        type="button"
        id={idPrefix ? `${idPrefix}-${d.name}-add` : undefined}
        data-action="add"
        disabled={readOnly || items.length >= max}
        onClick={() => {
          const blank: ListItem = {};
          for (const sub of d.item ?? []) blank[sub.name] = '';
          onEdit({ op: 'insert', index: items.length, item: blank });
          onTouch(d.name);
          setRemoved(null);
          setFocus({ index: items.length, target: 'first' });
        }}
      >
        {d.addLabel ?? 'Ajouter une ligne'}
      </button>
      {items.length >= max && <p className="hint">{max} lignes au plus.</p>}
    </fieldset>
  );
}

/** A set of checkboxes stored as `a,b` (the « Mentions » of a menu: bio, fait maison…). */
function FlagsField(props: {
  descriptor: FieldDescriptor;
  value: string;
  error: string | undefined;
  readOnly: boolean;
  onChange: (value: string) => void;
}) {
  const { descriptor: d, value, error, readOnly, onChange } = props;
  const id = useId();
  const checked = new Set(splitFlags(value));
  const options = d.options ?? [];
  return (
    <fieldset className="field flags" aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{d.label}</legend>
      {options.map((o) => (
        <span key={o.value} className="checkbox-line">
          <input
            id={`${id}-${o.value}`}
            type="checkbox"
            checked={checked.has(o.value)}
            disabled={readOnly}
            onChange={(e) => {
              const next = new Set(checked);
              if (e.target.checked) next.add(o.value);
              else next.delete(o.value);
              onChange(
                options
                  .filter((x) => next.has(x.value))
                  .map((x) => x.value)
                  .join(','),
              );
            }}
          />{' '}
          <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
        </span>
      ))}
      {error && (
        <p id={`${id}-error`} className="error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
