/**
 * Preload (sandboxed, bundled to CommonJS by build.ts): exposes `window.usine`, built only from
 * the contract's method → channel table, each method a single `ipcRenderer.invoke`. No Node, no
 * generic `invoke(channel)` escape hatch, no event emitter handed to the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { API_GLOBAL_NAME } from './ipcContract';
import { createUsineApi } from './usineApi';

contextBridge.exposeInMainWorld(
  API_GLOBAL_NAME,
  createUsineApi((channel, args) => ipcRenderer.invoke(channel, args)),
);
