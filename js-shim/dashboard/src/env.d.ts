// Stylesheets imported from TypeScript: esbuild bundles them into the app's CSS file.
declare module '*.css';
