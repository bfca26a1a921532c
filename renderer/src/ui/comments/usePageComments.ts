// The page's comments, live: re-read when the `comments` map of its doc changes (a local
// comment, one arriving from the server, or one loaded from this computer).
import { useMemo, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import { commentsMap, type PageComment, readComments } from '../../../../site/pageComments';

export function usePageComments(doc: Y.Doc): PageComment[] {
  const store = useMemo(() => {
    let snapshot = readComments(doc);
    return {
      subscribe(onChange: () => void) {
        const map = commentsMap(doc);
        const observer = () => {
          snapshot = readComments(doc);
          onChange();
        };
        map.observeDeep(observer);
        // What arrived between the first read and the subscription.
        observer();
        return () => map.unobserveDeep(observer);
      },
      getSnapshot: () => snapshot,
    };
  }, [doc]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
