import { UsageError } from '../errors.js';
import { GrmAccumulator, isAutosome } from '../genotype/grm.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { checkInputFile } from '../io/file-source.js';
import { checkOutputs } from '../io/output-target.js';
import { bfileFiles, openBed, readBim, readFam } from '../io/plink-bed.js';
import { createProgress } from './progress.js';

/** Options of `genelmm grm`. */
export interface GrmCliOptions {
  bfile?: string;
  out?: string;
  nonfounders?: boolean;
  quiet?: boolean;
}

/** Doubles in one block of standardised genotypes (samples × variants): 32 MB, and at least 64 variants a block. */
const BLOCK_VALUES = 1 << 22;

/** Fewest founders plink2 estimates allele frequencies from without --nonfounders or --read-freq. */
const FEW_FOUNDERS = 50;

/** The files `genelmm grm --out PREFIX` writes, as GCTA's --make-grm-bin and plink2's name them. */
export function grmFiles(prefix: string): { bin: string; counts: string; ids: string } {
  return { bin: `${prefix}.grm.bin`, counts: `${prefix}.grm.N.bin`, ids: `${prefix}.grm.id` };
}

/**
 * `genelmm grm --bfile PREFIX --out PREFIX`: the GRM of PLINK 1 binary genotypes (genotype/grm.ts), streamed from the
 * .bed in blocks of variants, written as GCTA's binary triplet. Every input and output is checked first.
 */
export async function runGrm(o: GrmCliOptions): Promise<void> {
  if (o.bfile === undefined) throw new UsageError('--bfile is required', 'give the prefix of the .bed/.bim/.fam files');
  if (o.out === undefined) throw new UsageError('--out is required', 'give the prefix of the .grm.bin/.grm.N.bin/.grm.id files to write');
  const inputs = bfileFiles(o.bfile);
  const outputs = grmFiles(o.out);
  for (const file of Object.values(inputs)) await checkInputFile(file);
  await checkOutputs(
    [{ option: '--out (.grm.bin)', path: outputs.bin }, { option: '--out (.grm.N.bin)', path: outputs.counts }, { option: '--out (.grm.id)', path: outputs.ids }],
    Object.entries(inputs).map(([suffix, path]) => ({ option: `--bfile (.${suffix})`, path })),
  );
  const samples = await readFam(inputs.fam);
  const variants = await readBim(inputs.bim);
  const counted = samples.map((s) => o.nonfounders === true || s.founder);
  if (!counted.some(Boolean)) {
    throw new UsageError(`${inputs.fam} has no founder (every sample has a parent id), so no allele frequency can come from founders`,
      'count every sample with --nonfounders');
  }
  const founders = samples.filter((s) => s.founder).length;
  if (o.nonfounders !== true && founders < FEW_FOUNDERS && !o.quiet) {
    process.stderr.write(`note: the allele frequencies come from ${founders} founders only (plink2 refuses fewer than ${FEW_FOUNDERS}); ` +
      'with --nonfounders they come from every sample\n');
  }
  const repeated = repeatedIid(samples);
  if (repeated !== undefined && !o.quiet) {
    process.stderr.write(`note: the individual id ${repeated} is in more than one family of ${inputs.fam}; fit --kinship matches the ` +
      'individuals by their IID alone and will refuse this GRM: make the IIDs unique (e.g. FID_IID) for it\n');
  }
  const keep = variants.map((v) => isAutosome(v.chromosome));
  const autosomal = keep.filter(Boolean).length;
  if (autosomal === 0) throw new UsageError(`${inputs.bim} has no autosomal variant`, 'a GRM is built from the autosomes (and chromosome 0)');
  const bed = await openBed(inputs.bed, samples.length, variants.length);

  const n = samples.length;
  const blockSize = Math.max(64, Math.min(4096, Math.floor(BLOCK_VALUES / n)));
  const grm = new GrmAccumulator(n, counted, blockSize);
  const progress = createProgress(!o.quiet);
  progress.start('grm', variants.length, 'variants');
  try {
    for await (const { first, bytes } of bed.blocks(blockSize)) {
      const last = Math.min(first + blockSize, variants.length);
      grm.add(bytes, bed.bytesPerVariant, keep.slice(first, last), variants.slice(first, last).map((v) => v.id));
      progress.update(last);
    }
  } finally {
    progress.stop();
  }
  const ids = samples.map((s) => s.iid);
  const { values, counts } = grm.finish(ids);
  await writeFileAtomic(outputs.ids, [samples.map((s) => `${s.fid}\t${s.iid}\n`).join('')]);
  await writeFileAtomic(outputs.counts, [new Uint8Array(counts.buffer)]);
  await writeFileAtomic(outputs.bin, [new Uint8Array(values.buffer)]);
  if (!o.quiet) {
    const left = variants.length - autosomal;
    process.stderr.write(`genelmm grm: ${n} samples, ${autosomal} autosomal variants${left > 0 ? ` (${left} on X, Y, XY or MT left out)` : ''}, ` +
      `allele frequencies from ${o.nonfounders === true ? 'all samples' : `the ${founders} founders`}; ` +
      `wrote ${outputs.bin}, ${outputs.counts}, ${outputs.ids}\n`);
  }
}

/** An IID of the .fam that more than one family has, quoted; undefined when every IID is unique. */
function repeatedIid(samples: readonly { iid: string }[]): string | undefined {
  const seen = new Set<string>();
  const iid = samples.find((s) => seen.has(s.iid) || !seen.add(s.iid))?.iid;
  return iid === undefined ? undefined : JSON.stringify(iid);
}
