// Vite build of the web UI: web/ -> build/web (served by `envgov serve` at /, src/http/web.c).
// Hashed file names under assets/ are cached for a year; index.html is never cached.
// Only what a page uses is in its chunk: Element Plus components are imported where a template
// names them (unplugin-vue-components' resolver; no global install of the whole library), ECharts
// through echarts/core with the chart modules used (components/map/echarts.js), and every page
// is its own chunk (router.js loads them lazily). Vue, the router and the Element Plus code the
// frame needs form one vendor chunk shared by every page.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [
    vue(),
    // styles: the whole Element Plus stylesheet once (main.js, 48 KB gzipped), so that services
    // called from script (ElMessage, ElMessageBox) are styled too
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false, dirs: [] }),
  ],
  build: {
    outDir: fileURLToPath(new URL('../build/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
});
