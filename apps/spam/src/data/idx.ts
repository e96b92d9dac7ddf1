/**
 * IDX files (the format of MNIST and Fashion-MNIST): a 4-byte big-endian magic number
 * `0x0000TTNN` (TT = element type, 0x08 = unsigned byte; NN = number of dimensions), NN
 * big-endian uint32 dimension sizes, then the elements in row-major order. Images are
 * `0x00000803` (`[n, rows, cols]`), labels `0x00000801` (`[n]`). Each file may be gzipped.
 */
import type { LoadOptions } from '../types.js';
import { headCount, type HostDataset, type HostPart } from './build.js';
import { DataNotFoundError, CorruptDataError } from './errors.js';
import { candidateDirs, findFiles, isDirectory, readMaybeGzip } from './files.js';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

/** A parsed IDX file: dimension sizes and the elements (a view into the file's bytes). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes whose magic number must be `magic` ({@link IDX_IMAGES_MAGIC}
 * or {@link IDX_LABELS_MAGIC}). Throws {@link CorruptDataError} naming `file` on a wrong magic
 * number, a short header, or a payload that is shorter (truncated) or longer than the header says.
 */
export function parseIdx(bytes: Uint8Array, file: string, magic: number): IdxArray {
  const what = magic === IDX_IMAGES_MAGIC ? 'IDX images' : magic === IDX_LABELS_MAGIC ? 'IDX labels' : 'IDX';
  if (bytes.length < 4)
    throw new CorruptDataError(file, `${bytes.length} bytes: too short for an IDX header (expected magic number ${hex(magic)}, ${what})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = view.getUint32(0, false);
  if (found !== magic)
    throw new CorruptDataError(
      file,
      `bad magic number ${hex(found)}, expected ${hex(magic)} (${what}); not an IDX file of this kind, or corrupt`,
    );
  const ndims = magic & 0xff;
  const header = 4 + 4 * ndims;
  if (bytes.length < header)
    throw new CorruptDataError(file, `truncated: ${bytes.length} bytes, shorter than the ${header}-byte IDX header`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const payload = bytes.length - header;
  if (payload < size) {
    throw new CorruptDataError(file, `truncated: the header says ${dims.join('×')} = ${size} bytes of data, the file has ${payload}`);
  }
  if (payload > size) {
    throw new CorruptDataError(
      file,
      `${payload - size} bytes after the ${dims.join('×')} = ${size} bytes the header announces; not a valid IDX file`,
    );
  }
  return { dims, data: bytes.subarray(header, header + size) };
}

/** An IDX data set (MNIST layout): where to look and what to tell the user. */
export interface IdxSpec {
  name: string;
  /** One line: what it is, source and licence (sizes are appended). */
  title: string;
  /** Subfolders of `dataDir` also searched (e.g. torchvision's `MNIST/raw`). */
  subdirs: string[];
  downloadUrls: string[];
  classNames: string[];
}

/** The four files, canonical names (each also accepted with `.gz`, and with `.idx` for `-idx`). */
export const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

/** Accepted spellings of one IDX file: as is, gzipped, and the `train-images.idx3-ubyte` variant some mirrors use. */
export function idxVariants(name: string): string[] {
  const dotted = name.replace('-idx', '.idx');
  return [name, `${name}.gz`, dotted, `${dotted}.gz`];
}

const IMAGE_SIDE = 28;
const CLASSES = 10;

/** Images + labels files → the first `limit` examples: pixels / 255 as float32 `[k·784]`, labels int32. */
function toPart(images: IdxArray, labels: IdxArray, imagesFile: string, labelsFile: string, limit: number | undefined): HostPart {
  const [n, rows, cols] = images.dims;
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new CorruptDataError(imagesFile, `images are ${rows}×${cols}, expected ${IMAGE_SIDE}×${IMAGE_SIDE}`);
  }
  if (n === 0) throw new CorruptDataError(imagesFile, 'holds no images');
  if (labels.dims[0] !== n) throw new CorruptDataError(labelsFile, `holds ${labels.dims[0]} labels but ${imagesFile} holds ${n} images`);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= CLASSES) throw new CorruptDataError(labelsFile, `label ${labels.data[i]} at index ${i} is not 0..${CLASSES - 1}`);
  }
  const k = headCount(n, limit);
  const pixels = IMAGE_SIDE * IMAGE_SIDE;
  const x = new Float32Array(k * pixels);
  const src = images.data;
  for (let i = 0; i < k * pixels; i++) x[i] = src[i] / 255;
  return { n: k, x, y: Int32Array.from(labels.data.subarray(0, k)) };
}

/**
 * Loads an IDX data set from `options.dataDir` (or one of `spec.subdirs` inside it). Throws
 * {@link DataNotFoundError} when no directory is given or a file is missing, and
 * {@link CorruptDataError} when a file is unusable.
 */
export async function loadIdxDataset(spec: IdxSpec, options: LoadOptions): Promise<HostDataset> {
  const expected = [...IDX_FILES];
  const details = {
    dataset: spec.name,
    dataDir: options.dataDir,
    expected,
    downloadUrls: spec.downloadUrls,
    howTo: `Put the four files (gzipped .gz or unpacked) in one directory and pass it as the data directory (subfolders ${spec.subdirs.join(', ')} are searched too).`,
  };
  if (options.dataDir === undefined) throw new DataNotFoundError({ ...details, searched: [], missing: expected });
  const dirs = candidateDirs(options.dataDir, spec.subdirs);
  if (!isDirectory(dirs[0])) {
    throw new DataNotFoundError(
      { ...details, searched: dirs, missing: expected },
      `${spec.name}: the data directory ${dirs[0]} does not exist or is not a directory`,
    );
  }
  const found = findFiles(dirs, expected, idxVariants);
  const missing = expected.filter((_, i) => found.paths[i] === undefined);
  if (missing.length > 0) {
    const searched = [found.dir, ...dirs.filter((d) => d !== found.dir)];
    throw new DataNotFoundError({ ...details, searched, missing: missing.map((m) => `${m}[.gz]`) });
  }
  const [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile] = found.paths as string[];
  const read = async (file: string, magic: number) => parseIdx(await readMaybeGzip(file), file, magic);
  const trainLabels = await read(trainLabelsFile, IDX_LABELS_MAGIC);
  const testLabels = await read(testLabelsFile, IDX_LABELS_MAGIC);
  const testImages = await read(testImagesFile, IDX_IMAGES_MAGIC);
  const test = toPart(testImages, testLabels, testImagesFile, testLabelsFile, options.testSize);
  const trainImages = await read(trainImagesFile, IDX_IMAGES_MAGIC);
  const train = toPart(trainImages, trainLabels, trainImagesFile, trainLabelsFile, options.trainSize);
  const fullTrain = trainImages.dims[0];
  const fullTest = testImages.dims[0];
  return {
    name: spec.name,
    description: `${spec.title}: ${fullTrain} train / ${fullTest} test 28×28 grey images, 10 classes, pixels / 255, read from ${found.dir}.`,
    likelihood: 'classification',
    sampleShape: [IMAGE_SIDE, IMAGE_SIDE, 1],
    defaultLayout: 'flat',
    outputDim: CLASSES,
    train,
    test,
    info: {
      fullTrainSize: fullTrain,
      fullTestSize: fullTest,
      split: 'the official train / t10k files, in file order',
      classNames: spec.classNames,
      files: [trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile],
    },
  };
}

/** Full MNIST (LeCun, Cortes, Burges): 60,000 + 10,000 digits. */
export const MNIST_FULL: IdxSpec = {
  name: 'mnist-full',
  title: 'MNIST (Y. LeCun, C. Cortes, C. J. C. Burges; CC BY-SA 3.0)',
  subdirs: ['MNIST/raw', 'MNIST', 'mnist'],
  downloadUrls: ['https://storage.googleapis.com/cvdf-datasets/mnist/'],
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
};

/** Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, Zalando Research): 60,000 + 10,000 clothing images. */
export const FASHION_MNIST: IdxSpec = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST (H. Xiao, K. Rasul, R. Vollgraf 2017, Zalando Research; MIT)',
  subdirs: ['FashionMNIST/raw', 'FashionMNIST', 'fashion', 'data/fashion', 'fashion-mnist'],
  downloadUrls: [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)',
  ],
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};
