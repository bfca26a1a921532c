// The table dialog of the page body: how many rows and columns. The first row is made of header
// cells (published as `th scope="col"`, RGAA 5.6), so every table is a data table with titles.
import { useId, useState } from 'react';
import { FormDialog } from '../ui/feedback/FormDialog';

export const MAX_TABLE_ROWS = 50;
export const MAX_TABLE_COLUMNS = 10;

export function TableDialog(props: {
  onSubmit: (rows: number, columns: number) => void;
  onCancel: () => void;
}) {
  const [rows, setRows] = useState('3');
  const [columns, setColumns] = useState('3');
  const [error, setError] = useState<string>();
  const ids = { rows: useId(), columns: useId(), error: useId(), hint: useId() };
  const describedBy = error ? `${ids.error} ${ids.hint}` : ids.hint;
  return (
    <FormDialog title="Insérer un tableau" onClose={props.onCancel}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const r = Number(rows);
          const c = Number(columns);
          if (
            !Number.isInteger(r) ||
            r < 2 ||
            r > MAX_TABLE_ROWS ||
            !Number.isInteger(c) ||
            c < 1 ||
            c > MAX_TABLE_COLUMNS
          ) {
            setError(
              `Indiquez entre 2 et ${MAX_TABLE_ROWS} lignes (dont la ligne des titres) et entre 1 et ${MAX_TABLE_COLUMNS} colonnes.`,
            );
            return;
          }
          props.onSubmit(r, c);
        }}
      >
        <p id={ids.hint} className="hint">
          La première ligne contient les titres des colonnes.
        </p>
        <p>
          <label htmlFor={ids.rows}>Nombre de lignes</label>{' '}
          <input
            id={ids.rows}
            type="number"
            min={2}
            max={MAX_TABLE_ROWS}
            value={rows}
            autoFocus
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => setRows(e.target.value)}
          />
        </p>
        <p>
          <label htmlFor={ids.columns}>Nombre de colonnes</label>{' '}
          <input
            id={ids.columns}
            type="number"
            min={1}
            max={MAX_TABLE_COLUMNS}
            value={columns}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => setColumns(e.target.value)}
          />
        </p>
        {error && (
          <p id={ids.error} role="alert" className="error">
            {error}
          </p>
        )}
        <p className="dialog-actions">
          <button type="submit" className="primary">
            Insérer le tableau
          </button>{' '}
          <button type="button" onClick={props.onCancel}>
            Annuler
          </button>
        </p>
      </form>
    </FormDialog>
  );
}
