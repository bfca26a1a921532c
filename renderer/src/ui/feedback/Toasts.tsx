// Short confirmations (« 7 pages créées »): React Aria toasts in a landmark region named
// « Notifications », each closable, gone after 8 s (timers pause on hover and focus).
import { X } from 'lucide-react';
import {
  Button,
  Text,
  UNSTABLE_Toast as Toast,
  UNSTABLE_ToastContent as ToastContent,
  UNSTABLE_ToastQueue as ToastQueue,
  UNSTABLE_ToastRegion as ToastRegion,
} from 'react-aria-components';

export interface ToastMessage {
  title: string;
  description?: string;
}

export const toasts = new ToastQueue<ToastMessage>({ maxVisibleToasts: 3 });

/** Shows a confirmation for 8 s (React Aria's advice: at least 5 s). */
export function notify(title: string, description?: string): void {
  toasts.add({ title, description }, { timeout: 8000 });
}

export function ToastArea() {
  return (
    <ToastRegion queue={toasts} aria-label="Notifications" className="toast-region">
      {({ toast }) => (
        <Toast toast={toast} className="toast">
          <ToastContent className="toast-content">
            <Text slot="title" className="toast-title">
              {toast.content.title}
            </Text>
            {toast.content.description && (
              <Text slot="description" className="toast-description">
                {toast.content.description}
              </Text>
            )}
          </ToastContent>
          <Button slot="close" aria-label="Fermer la notification" className="icon-button">
            <X aria-hidden="true" size={16} />
          </Button>
        </Toast>
      )}
    </ToastRegion>
  );
}
