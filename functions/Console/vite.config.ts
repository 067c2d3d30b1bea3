import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the host at /console/ (SPA fallback to index.html); the API is on the same origin.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // elkjs' bundled build alone is ~1.5 MB; it is lazy-loaded with the template graph.
    chunkSizeWarningLimit: 2500,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:7071',
      '/health': 'http://127.0.0.1:7071',
    },
  },
});
