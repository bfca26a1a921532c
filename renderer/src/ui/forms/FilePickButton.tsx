// A button that opens the computer's file chooser (React Aria FileTrigger), with a visible French
// label; the native file input stays hidden (its « Parcourir… / Aucun fichier choisi » wording
// follows the system's language, not the editor's).
import { Upload } from 'lucide-react';
import { useId, useRef } from 'react';
import { Button, FileTrigger } from 'react-aria-components';

export interface FilePickButtonProps {
  /** What the button says, e.g. « Choisir une image… ». */
  text: string;
  /** Types offered by the chooser (MIME types or extensions); the caller still checks the file. */
  accept?: readonly string[];
  onFile: (file: File) => void;
  isDisabled?: boolean;
  id?: string;
  /** A label outside the button read before its text (e.g. the field's label). */
  labelledBy?: string;
  describedBy?: string;
  dataField?: string;
  onBlur?: () => void;
}

export function FilePickButton(props: FilePickButtonProps) {
  const textId = useId();
  const input = useRef<HTMLInputElement>(null);
  return (
    <FileTrigger
      ref={input}
      acceptedFileTypes={props.accept && props.accept.length > 0 ? props.accept : undefined}
      onSelect={(files) => {
        const file = files?.[0];
        // The same file may be chosen again (e.g. after a refusal).
        if (input.current) input.current.value = '';
        if (file) props.onFile(file);
      }}
    >
      <Button
        id={props.id}
        className="file-pick-button"
        isDisabled={props.isDisabled}
        aria-labelledby={props.labelledBy ? `${props.labelledBy} ${textId}` : undefined}
        aria-describedby={props.describedBy}
        data-field={props.dataField}
        onBlur={props.onBlur}
      >
        <Upload aria-hidden="true" size={16} /> <span id={textId}>{props.text}</span>
      </Button>
    </FileTrigger>
  );
}
