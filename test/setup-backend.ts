// Every test file runs on the backend named by SPAM_TEST_BACKEND (default wasm).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.env.SPAM_TEST_BACKEND ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();
