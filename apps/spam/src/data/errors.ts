/**
 * Typed errors of the data loaders. All of them are {@link SpamError}s (stable `code`):
 * - {@link UnknownDatasetError} (`INVALID_OPTION`, an {@link InvalidOptionError}): an unknown data
 *   set name; lists the valid names.
 * - {@link DataNotFoundError} (`DATA_NOT_FOUND`): no data directory given, or the files are not in
 *   it; names the directories searched, the files expected and where to download them.
 * - {@link CorruptDataError} (`CORRUPT_DATA`): a file is there but unusable (bad magic number,
 *   truncated, broken gzip, labels out of range); names the file.
 * Bad option values (`trainSize: 0`, `layout: 'foo'`) raise `InvalidOptionError` from `@spam/core`.
 */
import { InvalidOptionError, SpamError } from '@spam/core';

/** An unknown data set name. `message` lists every valid name. */
export class UnknownDatasetError extends InvalidOptionError {
  /** The name asked for. */
  readonly dataset: string;
  /** The registered names, in registry order. */
  readonly validNames: readonly string[];
  constructor(dataset: string, validNames: readonly string[]) {
    super(`unknown data set '${dataset}'; valid names: ${validNames.join(', ')}`);
    this.dataset = dataset;
    this.validNames = validNames;
  }
}

/** Where and what a loader looked for, for {@link DataNotFoundError}. */
export interface DataNotFoundDetails {
  /** The data set, e.g. `'fashion-mnist'`. */
  dataset: string;
  /** The directory the user gave (undefined: none given). */
  dataDir?: string;
  /** Every directory searched (the given one and the usual subfolders), absolute. */
  searched: string[];
  /** The files the data set needs (canonical names, e.g. `train-images-idx3-ubyte`). */
  expected: string[];
  /** The expected files that were not found (all of them when no directory was given). */
  missing: string[];
  /** Where to download the files. */
  downloadUrls: string[];
  /** How the downloaded files must be laid out (one or two sentences). */
  howTo: string;
  /** An extra hint (e.g. "found cifar-10-binary.tar.gz: unpack it"). */
  hint?: string;
}

/** The data directory is not given, does not exist, or lacks files the data set needs. */
export class DataNotFoundError extends SpamError {
  readonly dataset: string;
  readonly dataDir: string | undefined;
  readonly searched: readonly string[];
  readonly expected: readonly string[];
  readonly missing: readonly string[];
  readonly downloadUrls: readonly string[];
  constructor(d: DataNotFoundDetails, reason?: string) {
    const where =
      d.dataDir === undefined
        ? `${d.dataset} needs a data directory with the original files, and none was given (dataDir / --data-dir).`
        : (reason ?? `${d.dataset}: data files not found in ${d.searched[0]}`) +
          (d.searched.length > 1 ? ` (also searched ${d.searched.slice(1).join(', ')})` : '') +
          '.';
    const lines = [
      where,
      ...(d.dataDir !== undefined && d.missing.length > 0 ? [`Missing: ${d.missing.join(', ')}.`] : []),
      `Expected files: ${d.expected.join(', ')}.`,
      // No full stop after the URLs: terminals would take it into the link.
      `Download from: ${d.downloadUrls.join('  or  ')}`,
      d.howTo,
      ...(d.hint ? [d.hint] : []),
    ];
    super('DATA_NOT_FOUND', lines.join('\n'));
    this.dataset = d.dataset;
    this.dataDir = d.dataDir;
    this.searched = d.searched;
    this.expected = d.expected;
    this.missing = d.missing;
    this.downloadUrls = d.downloadUrls;
  }
}

/** A data file exists but cannot be used. `message` starts with the file's path. */
export class CorruptDataError extends SpamError {
  /** Path of the offending file. */
  readonly file: string;
  constructor(file: string, detail: string) {
    super('CORRUPT_DATA', `${file}: ${detail}`);
    this.file = file;
  }
}
