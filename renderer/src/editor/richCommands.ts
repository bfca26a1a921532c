// Commands of the rich page body shared by the toolbar (which owns the dialogs) and the views
// Lexical renders inside the text (an image's « Modifier » button).
import { createCommand, type LexicalCommand, type NodeKey } from 'lexical';

/** Opens the image dialog on an image already in the text, to change its alt text or caption. */
export const EDIT_IMAGE_COMMAND: LexicalCommand<NodeKey> = createCommand('EDIT_IMAGE_COMMAND');
