/** Reads the setup form into a {@link TrainConfig} (ConfigError names the bad field). */
import { checkConfig, ConfigError, DEFAULT_CONFIG, type PlaygroundCriterion, type TrainConfig } from '../engine/config.js';
import type { PriorStructure } from '@spam/priors';

/** The element with id `id` (throws when the page lacks it). */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

const value = (id: string) => $<HTMLInputElement | HTMLSelectElement>(id).value.trim();

function num(id: string, label: string): number {
  const v = Number(value(id));
  if (value(id) === '' || !Number.isFinite(v)) throw new ConfigError(`${label}: '${value(id)}' is not a number`);
  return v;
}

/** The form's settings. */
export function readConfig(): TrainConfig {
  const hiddenText = value('hidden');
  const hidden = hiddenText === '' ? [] : hiddenText.split(/[\s,]+/).map(Number);
  if (hidden.some((h) => !Number.isFinite(h)))
    throw new ConfigError(`hidden widths: '${hiddenText}' is not a list of numbers like 256 or 128,64`);
  const rows = value('train-rows');
  return checkConfig({
    ...DEFAULT_CONFIG,
    hidden,
    epochs: num('epochs', 'epochs'),
    batchSize: num('batch', 'batch size'),
    lr: num('lr', 'learning rate'),
    structure: value('structure') as TrainConfig['structure'],
    prior: value('prior') as PriorStructure,
    marglikEvery: num('marglik-every', 'marglik every (F)'),
    hyperSteps: num('hyper-steps', 'hyper steps (K)'),
    seed: num('seed', 'seed'),
    trainRows: rows === '' ? undefined : num('train-rows', 'training rows'),
  });
}

/** The ticked criteria of the curves. */
export function selectedCriteria(): PlaygroundCriterion[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>('#criteria input:checked')).map((i) => i.value as PlaygroundCriterion);
}
