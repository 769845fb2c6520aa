// The web UI's entry: Vue 3, Element Plus (Chinese locale; its components are imported where a
// template uses them, see vite.config.js), the router, the session.
import { createApp } from 'vue';
import { provideGlobalConfig, vLoading } from 'element-plus';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import 'element-plus/dist/index.css';
import './style.css';
import App from './App.vue';
import { router } from './router.js';

const app = createApp(App);
provideGlobalConfig({ locale: zhCn }, app, true);
app.directive('loading', vLoading);
app.use(router).mount('#app');
