import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm dev` proxies the API so the app always talks to its own origin, exactly as when the server
// serves the built app (`pnpm start`). Override the target with API_URL.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/trpc': api, '/dev': api },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
