import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is built into web/dist and served by the platform itself at `/`.
// `npm run dev:web` serves it with hot reload and sends /api to a platform on :8080.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
