// « Paramètres du site » (identity, contact, publication director, accent colour chosen among
// RGAA-checked colours, accessibility statement): generated from site/settings' descriptors,
// validated with its zod schema, written to the manifest on every change.
import { useId, useState } from 'react';
import type * as Y from 'yjs';
import { readSiteSettings, SETTINGS_FIELDS, validateSettings } from '../../../site/settings';
import { readMedia, updateSettings } from '../../../site/siteDoc';
import { importMediaFile } from '../media/importMediaFile';
import type { SessionMedia } from './Workspace';
import { Field } from './FieldsForm';

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
      {issues.length > 0 && (
        <p className="fields-summary">
          {issues.length === 1 ? '1 paramètre à compléter.' : `${issues.length} paramètres à compléter.`}
        </p>
      )}
      <div id={panelId}>
        {SETTINGS_FIELDS.map((d) => (
          <Field
            key={d.name}
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
