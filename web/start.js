// Starts the simulator. A file, not an inline script, so the page runs under
// a strict Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval').
import init from './brokersim_web.js';

// The wasm memory is exposed so the performance test can read its size.
init({ module_or_path: './brokersim_web_bg.wasm' }).then((wasm) => {
  window.__brokersimMemory = wasm.memory;
}).catch((e) => {
  const el = document.getElementById('app');
  el.textContent = 'brokersim could not start: ' + e;
  el.className = 'fatal';
});
