// The structured fields of a page, above its body: generated from site/pageTypes'
// descriptors, validated with the shared zod schema (French messages), written to the
// manifest on every change (nothing to « save », nothing lost when leaving the page).
import { useId, useState } from 'react';
import type * as Y from 'yjs';
import {
  type FieldDescriptor,
  type FieldIssue,
  isFieldShown,
  PAGE_FIELDS,
  PAGE_TYPE_LABELS_FR,
  readFieldList,
  readPageFields,
  validatePageFields,
} from '../../../site/pageTypes';
import { editPageList, type PageMeta, readMedia, updatePageFields } from '../../../site/siteDoc';
import { importMediaFile } from '../media/importMediaFile';
import { MediaError } from '../media/mediaPipeline';
import type { MediaOutbox } from '../media/MediaOutbox';
import type { MediaStore } from '../media/MediaStore';
import { useMediaUrl } from '../media/useMediaUrl';
import { ErrorSummary, type SummaryIssue } from './feedback/ErrorSummary';
import { ContactPrefill } from './forms/ContactPrefill';
import { DateTimeInput } from './forms/DateTimeInput';
import { FilePickButton } from './forms/FilePickButton';
import { SelectField } from './forms/SelectField';
import { ListField } from './ListField';

/** A page field's issue as a link of the error summary (a list entry's sub-field, or the list). */
function summaryIssue(
  issue: FieldIssue,
  descriptors: readonly FieldDescriptor[],
  fieldId: (name: string) => string,
): SummaryIssue {
  const d = descriptors.find((x) => x.name === issue.field);
  if (issue.item && d) {
    const sub = d.item?.find((s) => s.name === issue.item!.field);
    return {
      key: `${issue.field}.${issue.item.index}.${issue.item.field}`,
      fieldId: fieldId(`${issue.field}-${issue.item.index}-${issue.item.field}`),
      label: `${d.itemLabel ?? 'Ligne'} n° ${issue.item.index + 1}, ${sub?.label ?? issue.item.field}`,
      message: issue.message,
    };
  }
  return {
    key: issue.field,
    fieldId: d?.kind === 'list' ? fieldId(`${issue.field}-add`) : fieldId(issue.field),
    label: d?.label ?? (issue.field === 'imageAlt' ? 'Texte alternatif de l’image' : issue.field),
    message: issue.message,
  };
}

/** UI-only companion of an image field: the agent says the image is purely decorative. */
const DECORATIVE = 'imageDecorative';

interface Props {
  insee: string;
  page: PageMeta;
  manifest: Y.Doc;
  media: { store: MediaStore; outbox: MediaOutbox };
  readOnly: boolean;
  agentName: string;
}

const INPUT_TYPES: Partial<Record<FieldDescriptor['kind'], string>> = {
  text: 'text',
  url: 'url',
  email: 'email',
  tel: 'tel',
};

export function FieldsForm({ insee, page, manifest, media, readOnly, agentName }: Props) {
  const descriptors = PAGE_FIELDS[page.type];
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const values: Record<string, string> = readPageFields(page.type, page.fields);
  const decorative = page.fields[DECORATIVE] === 'oui';
  const issues = validatePageFields(page.type, page.fields);
  // Alt text is required for an image unless the agent marks it decorative (RGAA 1.2).
  if (values.image && !values.imageAlt?.trim() && !decorative) {
    issues.push({
      field: 'imageAlt',
      message:
        'Décrivez l’image dans « Texte alternatif de l’image », ou cochez « Image purement décorative ».',
    });
  }
  const headingId = useId();
  if (descriptors.length === 0) return null;

  const fieldId = (name: string) => `field-${page.id}-${name}`;
  const set = (name: string, value: string) =>
    updatePageFields(manifest, page.id, { [name]: value }, agentName);
  const touch = (name: string) => setTouched((t) => (t.has(name) ? t : new Set([...t, name])));

  return (
    <section aria-labelledby={headingId} className="fields-form">
      <h2 id={headingId}>Informations de la page ({PAGE_TYPE_LABELS_FR[page.type]})</h2>
      {!readOnly && (
        <p className="hint">
          Les champs marqués d’un astérisque (*) sont obligatoires pour publier. Chaque saisie est enregistrée
          aussitôt sur cet ordinateur.
        </p>
      )}
      <ErrorSummary
        title="À compléter avant de publier cette page"
        issues={issues.map((issue) => summaryIssue(issue, descriptors, fieldId))}
        onFollow={(issue) => touch(issue.key)}
      />
      {page.type === 'contact' && (
        <ContactPrefill manifest={manifest} page={page} readOnly={readOnly} agentName={agentName} />
      )}
      {descriptors
        .filter((d) => isFieldShown(d, values))
        .map((d) =>
          d.kind === 'list' ? (
            <ListField
              key={d.name}
              idPrefix={`field-${page.id}`}
              descriptor={d}
              items={readFieldList(d, page.fields)}
              issues={issues}
              touched={touched}
              readOnly={readOnly}
              onEdit={(edit) =>
                editPageList(manifest, page.id, d.name, readFieldList(d, page.fields), edit, agentName)
              }
              onTouch={touch}
              mediaFor={(index, field) => ({
                ...media,
                library: readMedia(manifest),
                onFile: async (file) => {
                  const sha = await importMediaFile(file, insee, manifest, media);
                  editPageList(
                    manifest,
                    page.id,
                    d.name,
                    readFieldList(d, page.fields),
                    { op: 'set', index, field, value: sha },
                    agentName,
                  );
                  touch(`${d.name}.${index}.${field}`);
                },
              })}
            />
          ) : (
            <Field
              key={d.name}
              id={fieldId(d.name)}
              descriptor={d}
              value={values[d.name] ?? ''}
              error={touched.has(d.name) ? issues.find((i) => i.field === d.name)?.message : undefined}
              readOnly={readOnly}
              onChange={(v) => set(d.name, v)}
              onBlur={() => touch(d.name)}
              media={
                d.kind === 'media'
                  ? {
                      ...media,
                      library: readMedia(manifest),
                      onFile: async (file) => {
                        set(d.name, await importMediaFile(file, insee, manifest, media));
                        touch(d.name);
                      },
                    }
                  : undefined
              }
            >
              {d.name === 'image' && values.image ? (
                <p className="checkbox-line">
                  <input
                    id={`${page.id}-decorative`}
                    type="checkbox"
                    checked={decorative}
                    disabled={readOnly}
                    onChange={(e) => {
                      set(DECORATIVE, e.target.checked ? 'oui' : '');
                      touch('imageAlt');
                    }}
                  />{' '}
                  <label htmlFor={`${page.id}-decorative`}>
                    Image purement décorative (pas de texte alternatif)
                  </label>
                </p>
              ) : null}
            </Field>
          ),
        )}
    </section>
  );
}

export interface FieldProps {
  /** The control's id (an error summary links to it); a generated one otherwise. */
  id?: string;
  descriptor: FieldDescriptor;
  value: string;
  error: string | undefined;
  readOnly: boolean;
  onChange: (value: string) => void;
  onBlur: () => void;
  media?: {
    store: MediaStore;
    library: ReturnType<typeof readMedia>;
    onFile: (file: File) => Promise<void>;
  };
  children?: React.ReactNode;
}

export function Field({
  id: givenId,
  descriptor: d,
  value,
  error,
  readOnly,
  onChange,
  onBlur,
  media,
  children,
}: FieldProps) {
  const generatedId = useId();
  const id = givenId ?? generatedId;
  const helpId = `${id}-help`;
  const labelId = `${id}-label`;
  const errorId = `${id}-error`;
  const describedBy = [d.help ? helpId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    // The target of « corriger » links of a refused publication (PublishIssues).
    'data-field': d.name,
    disabled: readOnly,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': d.required && !d.when ? true : undefined,
    onBlur,
  } as const;
  const hint = d.help && (
    <p id={helpId} className="hint">
      {d.help}
    </p>
  );
  const problem = error && (
    <p id={errorId} className="error">
      {error}
    </p>
  );
  if (d.kind === 'date' || d.kind === 'datetime' || d.kind === 'time') {
    // French date and time fields; their label is React Aria's (the group and its segments).
    return (
      <div className="field">
        <DateTimeInput
          id={id}
          kind={d.kind}
          label={`${d.label}${d.required ? ' *' : ''}`}
          value={value}
          onChange={onChange}
          onBlur={onBlur}
          isDisabled={readOnly}
          isRequired={d.required && !d.when}
          isInvalid={Boolean(error)}
          aria-describedby={describedBy}
          dataField={d.name}
        />
        {hint}
        {problem}
        {children}
      </div>
    );
  }
  if (d.kind === 'select') {
    return (
      <div className="field" id={id} data-field={d.name}>
        <SelectField
          label={`${d.label}${d.required ? ' *' : ''}`}
          value={value}
          options={[{ value: '', label: '— Choisir —' }, ...(d.options ?? [])]}
          placeholder="— Choisir —"
          onChange={onChange}
          onBlur={onBlur}
          isDisabled={readOnly}
          isRequired={d.required && !d.when}
          isInvalid={Boolean(error)}
          aria-describedby={describedBy}
        />
        {hint}
        {problem}
        {children}
      </div>
    );
  }
  let control: React.ReactNode;
  if (d.kind === 'textarea') {
    control = <textarea {...common} rows={3} value={value} onChange={(e) => onChange(e.target.value)} />;
  } else if (d.kind === 'media' && media) {
    control = (
      <MediaInput
        common={common}
        labelId={labelId}
        descriptor={d}
        value={value}
        media={media}
        onClear={() => onChange('')}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type={INPUT_TYPES[d.kind] ?? 'text'}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id} id={labelId}>
        {d.label}
        {d.required ? ' *' : ''}
      </label>
      {control}
      {hint}
      {problem}
      {children}
    </div>
  );
}

function MediaInput(props: {
  common: {
    id: string;
    'data-field': string;
    disabled: boolean;
    onBlur: () => void;
    'aria-describedby'?: string;
  };
  /** The field's label, read before the button's text. */
  labelId: string;
  descriptor: FieldDescriptor;
  value: string;
  media: NonNullable<FieldProps['media']>;
  onClear: () => void;
}) {
  const { common, descriptor: d, value, media } = props;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const url = useMediaUrl(media.store, value || undefined);
  const entry = value ? media.library[value] : undefined;
  const isImage = (d.accept ?? []).some((m) => m.startsWith('image/'));
  return (
    <div className="media-input">
      {value && (
        <div className="media-current" data-sha256={value}>
          {isImage && url ? <img src={url} alt="" className="media-thumb" /> : null}
          <p>
            {entry?.name || 'Fichier'}
            {entry?.width ? ` — ${entry.width} × ${entry.height} px` : ''}
            {entry?.bytes ? ` — ${Math.max(1, Math.round(entry.bytes / 1024))} Ko` : ''}
          </p>
          <button type="button" className="small" disabled={common.disabled} onClick={props.onClear}>
            Retirer le fichier
          </button>
        </div>
      )}
      <FilePickButton
        id={common.id}
        dataField={common['data-field']}
        labelledBy={props.labelId}
        describedBy={common['aria-describedby']}
        text={
          value
            ? isImage
              ? 'Remplacer l’image…'
              : 'Remplacer le fichier…'
            : isImage
              ? 'Choisir une image…'
              : 'Choisir un fichier…'
        }
        accept={d.accept}
        isDisabled={common.disabled || busy}
        onBlur={common.onBlur}
        onFile={async (file) => {
          setBusy(true);
          setProblem(undefined);
          try {
            await props.media.onFile(file);
          } catch (error) {
            setProblem(error instanceof MediaError ? error.message : 'Le fichier n’a pas pu être ajouté.');
          } finally {
            setBusy(false);
          }
        }}
      />
      {busy && <p aria-live="polite">Préparation du fichier…</p>}
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </div>
  );
}
