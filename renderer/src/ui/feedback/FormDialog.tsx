// A modal dialog holding a form (React Aria, like the editor's other dialogs): titled for screen
// readers, focus kept inside and given back on close, Escape closes it, the rest of the screen
// hidden from assistive technologies. A click outside does not close it (a typed form stays).
import type { ReactNode } from 'react';
import { Dialog, Heading, Modal } from 'react-aria-components';
import './formDialog.css';

export function FormDialog(props: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <Modal
      isOpen
      isDismissable={false}
      onOpenChange={(open) => {
        if (!open) props.onClose();
      }}
      className="modal-overlay-content form-dialog-modal"
    >
      <Dialog className="rac-dialog form-dialog">
        <Heading slot="title">{props.title}</Heading>
        {props.children}
      </Dialog>
    </Modal>
  );
}
