// The example of `mount` (web/mount.html): the simulator page rendered into
// an element of a course page, driven by the page's own buttons. A file, not
// an inline script, so the page runs under a strict Content-Security-Policy.
import init, { mount } from './brokersim_web.js';

// A scenario as a plain object, in the scenario file's format.
const SCENARIO = {
  version: 1,
  title: 'RabbitMQ mirrored queue: the master crashes',
  translations: { zh: { title: 'RabbitMQ 镜像队列：主节点崩溃' } },
  seed: 1,
  duration_ms: 30000,
  system: 'rabbitmq-mirrored',
  brokers: 3,
  settings: { 'ha-mode': 'all', 'ha-promote-on-failure': 'always', net_ticktime: 8 },
  producers: [{ rate_per_s: 50 }],
  consumers: [{ ack: 'manual', prefetch: 10 }],
};

const status = document.getElementById('status');
const heard = document.getElementById('heard');
const last = document.getElementById('last-event');
const buttons = ['course-play', 'course-pause', 'course-crash', 'course-rewind']
  .map((id) => document.getElementById(id));

async function start() {
  await init({ module_or_path: './brokersim_web_bg.wasm' });
  // The query may ask for Chinese (mount.html?lang=zh).
  const lang = new URLSearchParams(location.search).get('lang') ?? 'en';
  const page = await mount('sim', {
    scenario: SCENARIO, lang, embed: true, show: ['controls', 'cluster', 'numbers', 'log'],
  });
  let count = 0;
  page.subscribe((e) => {
    count += 1;
    heard.textContent = String(count);
    last.textContent = `${(e.at_ms / 1000).toFixed(3)} s ${e.text}`;
  });
  const [play, pause, crash, rewind] = buttons;
  play.onclick = () => page.play();
  pause.onclick = () => page.pause();
  crash.onclick = () => {
    try {
      page.fault({ crash: 'b1' });
    } catch (e) {
      status.textContent = e.message;
    }
  };
  rewind.onclick = () => page.seek(1000);
  buttons.forEach((b) => { b.disabled = false; });
  status.textContent = 'ready';
  window.__mounted = { page, mount };
}

start().catch((e) => {
  status.textContent = 'brokersim could not start: ' + (e.message ?? e);
  status.className = 'fatal';
});
