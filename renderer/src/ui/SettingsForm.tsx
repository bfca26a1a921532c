// « Paramètres du site » (identity, contact, publication director, accent colour chosen among
// RGAA-checked colours, accessibility statement): generated from site/settings' descriptors,
// validated with its zod schema, written to the manifest on every change.
import { useId, useState } from 'react';
import type * as Y from 'yjs';
import { readSiteSettings, SETTINGS_FIELDS, validateSettings } from '../../../site/settings';
import { readMedia, updateSettings } from '../../../site/siteDoc';
import { importMediaFile } from '../media/importMediaFile';
import type { SessionMedia } from './Workspace';
import { ErrorSummary } from './feedback/ErrorSummary';
import { Field } from './FieldsForm';

/** The id of a setting's control (the error summary links to it). */
export const settingId = (name: string) => `setting-${name}`;

interface Props {
  insee: string;
  communeName: string;
  manifest: Y.Doc;
  media: SessionMedia;
  readOnly: boolean;
}

export function SettingsForm({ insee, communeName, manifest, media, readOnly }: Props) {
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const panelId = useId();
  const settings = readSiteSettings(manifest, communeName) as unknown as Record<string, string>;
  const issues = validateSettings(settings);
  const touch = (name: string) => setTouched((t) => (t.has(name) ? t : new Set([...t, name])));
  return (
    <section aria-labelledby={`${panelId}-title`} className="settings-form">
      <h2 id={`${panelId}-title`}>Paramètres du site</h2>
      <ErrorSummary
        title="À compléter avant de publier le site"
        issues={issues.map((issue) => ({
          key: issue.field,
          fieldId: settingId(issue.field),
          label: SETTINGS_FIELDS.find((d) => d.name === issue.field)?.label ?? issue.field,
          message: issue.message,
        }))}
        onFollow={(issue) => touch(issue.key)}
      />
      <div id={panelId}>
        {SETTINGS_FIELDS.map((d) => (
          <Field
            key={d.name}
            id={settingId(d.name)}
            descriptor={d}
            value={settings[d.name] ?? ''}
            error={touched.has(d.name) ? issues.find((i) => i.field === d.name)?.message : undefined}
            readOnly={readOnly}
            onChange={(value) => updateSettings(manifest, { [d.name]: value })}
            onBlur={() => touch(d.name)}
            media={
              d.kind === 'media'
                ? {
                    store: media.store,
                    library: readMedia(manifest),
                    onFile: async (file) => {
                      const sha256 = await importMediaFile(file, insee, manifest, media);
                      updateSettings(manifest, { [d.name]: sha256 });
                    },
                  }
                : undefined
            }
          />
        ))}
      </div>
    </section>
  );
}
