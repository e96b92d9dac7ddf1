/**
 * The Laplace predictive (GLM with probit / bridge / MC links, sampled weights) and posterior
 * tuning on validation data.
 * @packageDocumentation
 */
export { predictive, type Predictive, type ClassificationPredictive, type RegressionPredictive } from './predict.js';
export { glmPredictiveDistribution, type GlmDistribution } from './glm.js';
export { probitLink, bridgeLink, mcLink, regressionVariance } from './links.js';
export type { GlmOptions, LinkApprox, PosteriorOptions, PredictiveOptions, PredictiveProgress, PredType } from './options.js';
export type { CovarianceSpec } from './covariance-build.js';
export { PosteriorCovariance } from './covariance.js';
export { optimizePriorPrecision, type TunePosteriorOptions, type TunePosteriorResult } from './tune.js';
