// The example of the JavaScript API (web/api.html): a file, not an inline
// script, so the page runs under a strict Content-Security-Policy.
import init, { Simulator, loadLanguage } from './brokersim_web.js';

// A scenario as a plain object, in the scenario file's format.
export const SCENARIO = {
  version: 1,
  title: 'Kafka acks=1: the leader crashes',
  seed: 4,
  duration_ms: 30000,
  system: 'kafka',
  brokers: 3,
  settings: { 'replication.factor': 3, 'min.insync.replicas': 1 },
  producers: [{ rate_per_s: 100, acks: '1' }],
  consumers: [{ ack: 'manual', auto_offset_reset: 'earliest' }],
  faults: [{ at_ms: 1000, slow_link: { between: ['b1', 'b2'], latency_ms: 300 } }],
};

const status = document.getElementById('status');
const list = document.getElementById('events');
const button = document.getElementById('run');

function run() {
  list.textContent = '';
  const sim = Simulator.load(SCENARIO, { lang: document.documentElement.lang });
  sim.subscribe((e) => {
    const li = document.createElement('li');
    li.textContent = `${(e.at_ms / 1000).toFixed(3)} s  ${e.text}`;
    li.dataset.event = typeof e.event === 'string' ? e.event : Object.keys(e.event)[0];
    list.appendChild(li);
  });
  sim.play_until(12000);
  sim.fault({ crash: 'b1' });      // at the current time, 12 s
  const report = sim.run_to_end();
  document.getElementById('report').textContent = JSON.stringify(report, null, 2);
  status.textContent = `finished at ${sim.now_ms()} ms: ${report.lost} acknowledged messages lost`;
  window.__apiReport = report;
  window.__apiScenario = sim.scenario();
  sim.free();
}

init({ module_or_path: './brokersim_web_bg.wasm' }).then(() => {
  window.__brokersim = { Simulator, loadLanguage };
  run();
  button.disabled = false;
  button.addEventListener('click', run);
}).catch((e) => {
  status.textContent = 'brokersim could not start: ' + e;
  status.className = 'error';
});
