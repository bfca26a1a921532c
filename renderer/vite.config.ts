// Vite build of the editor: one static bundle served at /app/ by the sync server and at
// app://usine/ by Electron, hence relative asset URLs (base './').
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    // One bundle for the whole editor (Lexical, Yjs, Dexie, React): loaded once, then cached
    // by the service worker; splitting it would not make the first screen any faster.
    chunkSizeWarningLimit: 1024,
  },
});
