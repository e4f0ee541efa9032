// Starts the simulator. A file, not an inline script, so the page runs under
// a strict Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval').
import init from './brokersim_web.js';

// 'brokersim-first-render', which the performance test reads: the frame in
// which the page first paints, i.e. the first animation frame once the
// page's markup (header, controls, cluster, numbers) is in the document.
// Watched from here because Yew inserts the markup some time before it
// runs the page's first effects.
const app = document.getElementById('app');
const firstRender = new MutationObserver(() => {
  if (app.querySelector('.page')) {
    firstRender.disconnect();
    requestAnimationFrame(() => performance.mark('brokersim-first-render'));
  }
});
firstRender.observe(app, { childList: true, subtree: true });

// The wasm memory is exposed so the performance test can read its size.
init({ module_or_path: './brokersim_web_bg.wasm' }).then((wasm) => {
  window.__brokersimMemory = wasm.memory;
}).catch((e) => {
  const el = document.getElementById('app');
  el.textContent = 'brokersim could not start: ' + e;
  el.className = 'fatal';
});
