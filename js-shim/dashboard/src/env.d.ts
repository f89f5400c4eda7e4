// Build-time constants (scripts/build-dashboard.mjs) and imports esbuild resolves.
declare module '*.css';
