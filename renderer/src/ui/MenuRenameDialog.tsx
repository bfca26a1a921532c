// « Renommer » on the « Menus » screen (SPEC [MENU-7]): a React Aria dialog holding the entry's
// label, checked as the model checks it (not empty, MENU_LABEL_MAX characters at most) before
// the one write; Escape or « Annuler » closes it without writing. Focus goes back to the
// entry's row (react-aria's GridList is one tab stop: coming back, it focuses the row).
import { type FormEvent, useId, useState } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { MENU_LABEL_MAX, menuLabelProblem } from '../../../site/menus';
import type { MenuRow } from './menuRows';

interface Props {
  /** The row being renamed; the dialog is closed when null. */
  row: MenuRow | null;
  /** Writes the label; returns a French problem, '' when done. */
  onRename: (row: MenuRow, label: string) => string;
  /** Empties the label: the entry shows its page's (or list's) own title again. */
  onUseOwnTitle: (row: MenuRow) => string;
  onClose: () => void;
}

export function MenuRenameDialog({ row, onRename, onUseOwnTitle, onClose }: Props) {
  return (
    <Modal
      className="modal-overlay-content"
      isDismissable
      isOpen={row !== null}
      onOpenChange={(open) => !open && onClose()}
    >
      <Dialog className="rac-dialog">
        {row && (
          <RenameForm
            key={row.id}
            row={row}
            onRename={onRename}
            onUseOwnTitle={onUseOwnTitle}
            onClose={onClose}
          />
        )}
      </Dialog>
    </Modal>
  );
}

function RenameForm({ row, onRename, onUseOwnTitle, onClose }: { row: MenuRow } & Omit<Props, 'row'>) {
  const id = useId();
  const [label, setLabel] = useState(row.label);
  const [problem, setProblem] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = menuLabelProblem(label) || onRename(row, label);
    if (found) setProblem(found);
    else onClose();
  };
  const useOwnTitle = () => {
    const found = onUseOwnTitle(row);
    if (found) setProblem(found);
    else onClose();
  };
  const describedBy = [`${id}-hint`, problem ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <form onSubmit={submit} noValidate>
      <Heading slot="title">Renommer « {row.label} »</Heading>
      <div className="field">
        <label htmlFor={`${id}-label`}>Libellé dans le menu</label>
        <input
          id={`${id}-label`}
          type="text"
          value={label}
          // The dialog opens on this field, its text selected, ready to be replaced.
          autoFocus
          onFocus={(e) => e.currentTarget.select()}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => setLabel(e.target.value)}
        />
        <p id={`${id}-hint`} className="hint">
          {MENU_LABEL_MAX} caractères au plus.
        </p>
        {row.ownTitle !== null && (
          // Next to the field it replaces: one click gives the entry its page's title back.
          <Button className="small" onPress={useOwnTitle}>
            Reprendre le titre « {row.ownTitle} »
          </Button>
        )}
        {problem && (
          <p id={`${id}-error`} role="alert" className="error">
            {problem}
          </p>
        )}
      </div>
      <div className="actions">
        <Button type="submit" className="primary">
          Enregistrer le libellé
        </Button>

        <Button onPress={onClose}>Annuler</Button>
      </div>
    </form>
  );
}
