// « Copier sur les autres jours » (opening hours): a React Aria dialog asking which days
// receive this day's hours (the other weekdays are ticked), then one list edit per change.
import { Copy } from 'lucide-react';
import { useState } from 'react';
import {
  Button,
  Checkbox,
  CheckboxGroup,
  Dialog,
  DialogTrigger,
  Heading,
  Label,
  Modal,
} from 'react-aria-components';
import { type ListItem, WEEKDAYS } from '../../../../site/pageTypes';
import type { ListEdit } from '../../../../site/siteDoc';
import { notify } from '../feedback/Toasts';
import { copyHoursEdits, defaultCopyDays } from './copyHours';

interface Props {
  items: readonly ListItem[];
  index: number;
  /** « Jour n° 1 (Lundi) », for the button's name. */
  entryName: string;
  readOnly: boolean;
  onEdit: (edit: ListEdit) => void;
}

export function CopyHoursDialog({ items, index, entryName, readOnly, onEdit }: Props) {
  const source = items[index];
  const sourceDay = WEEKDAYS.find((d) => d.value === source?.day);
  const [days, setDays] = useState<string[]>(() => defaultCopyDays(source?.day));
  return (
    <DialogTrigger onOpenChange={(open) => open && setDays(defaultCopyDays(source?.day))}>
      <Button
        className="small"
        isDisabled={readOnly || !sourceDay}
        aria-label={`Copier sur les autres jours — ${entryName}`}
      >
        <Copy aria-hidden="true" size={16} /> Copier sur les autres jours
      </Button>
      <Modal className="modal-overlay-content" isDismissable>
        <Dialog className="rac-dialog">
          {({ close }) => (
            <form
              onSubmit={(event) => {
                event.preventDefault();
                const edits = copyHoursEdits(items, index, days);
                for (const edit of edits) onEdit(edit);
                close();
                notify(
                  days.length === 0
                    ? 'Aucun jour choisi : rien n’a été copié.'
                    : `Horaires du ${sourceDay?.label.toLowerCase()} copiés sur ${days.length} jour${days.length > 1 ? 's' : ''}.`,
                );
              }}
            >
              <Heading slot="title">Copier les horaires du {sourceDay?.label.toLowerCase()}</Heading>
              <CheckboxGroup value={days} onChange={setDays} className="checkbox-group">
                <Label>Sur quels jours ?</Label>
                {WEEKDAYS.filter((d) => d.value !== source?.day).map((d) => (
                  <Checkbox key={d.value} value={d.value} className="rac-checkbox">
                    <span className="rac-checkbox-box" aria-hidden="true" />
                    {d.label}
                  </Checkbox>
                ))}
              </CheckboxGroup>
              <p className="hint">Les horaires déjà saisis pour ces jours sont remplacés.</p>
              <div className="actions">
                <Button type="submit" className="primary">
                  Copier les horaires
                </Button>
                <Button onPress={close}>Annuler</Button>
              </div>
            </form>
          )}
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
