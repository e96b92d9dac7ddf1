/**
 * Host-side loaders of the tabular and image sets vendored in `packages/harness/data/` (see its README for
 * sources and licences), with their fixed splits: one implementation shared by the examples
 * (`breast-cancer`, `diabetes`, `digits-structured`), which make tensors from it, and the `spam`
 * command, which makes its `HostDataset`s from it.
 * - Breast cancer: `breast_cancer.csv`, split 455 / 114 by `breast_cancer_split.json`.
 * - Diabetes: `diabetes_data_raw.csv.gz` + `diabetes_target.csv.gz`, split 354 / 88 by the seeded
 *   shuffle of {@link diabetesSplit}.
 * - Digits: `digits.csv.gz` (UCI 8×8 digits), split 1,437 / 360 by the stratified seeded rule of
 *   {@link digitsSplit}.
 *
 * Malformed files throw the error made by the `corrupt` factory the caller passes (default: a
 * plain `Error` whose message starts with the file name).
 */
export * from './vendored/common.js';
export * from './vendored/breast-cancer.js';
export * from './vendored/diabetes.js';
export * from './vendored/digits.js';
