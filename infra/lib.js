'use strict';
// Shared by infra/start.js and infra/test.js: starting the local Kafka broker when none is configured.
const { execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const root = path.join(__dirname, '..');
const kafkaScript = path.join(__dirname, 'kafka', 'kafka.sh');

function portOpen(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Makes sure a broker is there: KAFKA_BROKERS wins; else a broker already on 127.0.0.1:9092 is reused;
 * else infra/kafka/kafka.sh starts one. Returns true when this call started it (and so should stop it).
 */
async function ensureKafka() {
  if (process.env.KAFKA_BROKERS) return false;
  if (await portOpen('127.0.0.1', 9092)) return false;
  const started = Date.now();
  execFileSync('bash', [kafkaScript, 'start'], { stdio: 'inherit' });
  console.log(`[plaza] Kafka ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

function stopKafka() {
  execFileSync('bash', [kafkaScript, 'stop'], { stdio: 'inherit' });
}

module.exports = { root, ensureKafka, stopKafka, portOpen };
