/**
 * PLINK 1 binary genotypes (PREFIX.bed + .bim + .fam), as `genelmm grm --bfile` reads them: the sample and variant
 * tables whole, the .bed in blocks of variants so that its size never bounds memory. The .bed holds, per variant,
 * ceil(n/4) bytes of 2-bit codes from the low bits: 00 two copies of A1, 01 missing, 10 heterozygous, 11 two copies
 * of A2 (https://www.cog-genomics.org/plink/1.9/formats#bed).
 */
import { open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { fromFileError, readText } from './file-source.js';

/** One sample of a .fam: family and individual ids, and whether it is a founder (both parent ids are 0, as plink2). */
export interface FamSample {
  fid: string;
  iid: string;
  founder: boolean;
}

/** One variant of a .bim: its chromosome code and id. */
export interface BimVariant {
  chromosome: string;
  id: string;
}

/** The .bed's first three bytes: the magic number and 0x01, variant-major. */
const BED_MAGIC = [0x6c, 0x1b, 0x01];

/** The three files of `prefix`, as plink's --bfile names them. */
export function bfileFiles(prefix: string): { bed: string; bim: string; fam: string } {
  return { bed: `${prefix}.bed`, bim: `${prefix}.bim`, fam: `${prefix}.fam` };
}

/** The whitespace-separated fields of each non-empty line, with its 1-based line number. */
async function fieldLines(file: string, columns: number, what: string): Promise<{ fields: string[]; line: number }[]> {
  const rows: { fields: string[]; line: number }[] = [];
  const lines = (await readText(file, false)).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const fields = lines[i].trim().split(/\s+/);
    if (fields.length < columns) {
      throw new InputError(`expected ${columns} fields (${what}), found ${fields.length}`, { file, line: i + 1, column: fields.length + 1 });
    }
    rows.push({ fields, line: i + 1 });
  }
  if (rows.length === 0) throw new InputError('the file has no lines', { file }, `a PLINK file lists ${what}, one per line`);
  return rows;
}

/** The samples of a .fam (FID IID PAT MAT SEX PHENO); an individual id twice in one family is an error. */
export async function readFam(file: string): Promise<FamSample[]> {
  const seen = new Map<string, number>();
  return (await fieldLines(file, 6, 'FID IID PAT MAT SEX PHENO')).map(({ fields: [fid, iid, pat, mat], line }) => {
    const key = `${fid}\t${iid}`;
    const before = seen.get(key);
    if (before !== undefined) throw new InputError(`sample ${fid} ${iid} appears twice (first on line ${before})`, { file, line, column: 2 });
    seen.set(key, line);
    return { fid, iid, founder: pat === '0' && mat === '0' };
  });
}

/** The variants of a .bim (CHR ID CM BP A1 A2). */
export async function readBim(file: string): Promise<BimVariant[]> {
  return (await fieldLines(file, 6, 'CHR ID CM BP A1 A2')).map(({ fields: [chromosome, id] }) => ({ chromosome, id }));
}

/**
 * Opens a .bed for `samples` × `variants` and checks its header and size; `blocks(count)` then yields the bytes of
 * `count` variants at a time (the last block may be shorter), each ceil(samples/4) bytes. The buffer is reused:
 * a consumer that keeps bytes copies them.
 */
export async function openBed(file: string, samples: number, variants: number): Promise<{
  bytesPerVariant: number;
  blocks(count: number): AsyncGenerator<{ first: number; bytes: Uint8Array }>;
}> {
  const bytesPerVariant = Math.ceil(samples / 4);
  const expected = BED_MAGIC.length + bytesPerVariant * variants;
  let handle;
  try {
    handle = await open(file, 'r');
    const size = (await handle.stat()).size;
    const header = new Uint8Array(3);
    await handle.read(header, 0, 3, 0);
    if (size < 3 || header[0] !== BED_MAGIC[0] || header[1] !== BED_MAGIC[1]) {
      throw new InputError('not a PLINK 1 .bed file (its first bytes are not 6c 1b)', { file }, 'give the prefix of a .bed/.bim/.fam triple');
    }
    if (header[2] !== BED_MAGIC[2]) {
      throw new InputError('a sample-major .bed (mode byte 00), which plink 1.07 wrote', { file },
        'rewrite it variant-major with plink --bfile PREFIX --make-bed --out NEW');
    }
    if (size !== expected) {
      throw new InputError(`${size} bytes, where ${samples} samples (the .fam's lines) × ${variants} variants (the .bim's) need ${expected}: ` +
        (size < expected ? 'the file is truncated' : 'the .bed and its .fam/.bim do not belong together'), { file },
      'give the .bed with the .bim and .fam written beside it');
    }
  } catch (error) {
    await handle?.close();
    throw fromFileError(error, file);
  }
  const opened = handle;
  return {
    bytesPerVariant,
    async *blocks(count: number) {
      const buffer = new Uint8Array(count * bytesPerVariant);
      try {
        for (let first = 0; first < variants; first += count) {
          const length = Math.min(count, variants - first) * bytesPerVariant;
          const bytes = buffer.subarray(0, length);
          for (let done = 0; done < length;) {
            const { bytesRead } = await opened.read(bytes, done, length - done, BED_MAGIC.length + first * bytesPerVariant + done);
            if (bytesRead === 0) throw new InputError(`the file ended before variant ${first + 1}`, { file });
            done += bytesRead;
          }
          yield { first, bytes };
        }
      } catch (error) {
        throw fromFileError(error, file);
      } finally {
        await opened.close();
      }
    },
  };
}
