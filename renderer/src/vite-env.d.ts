// Vite's `?raw` imports (the published theme's CSS, used by the live preview).
declare module '*.css?raw' {
  const text: string;
  export default text;
}
