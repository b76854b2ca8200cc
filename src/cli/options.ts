import { Option } from 'commander';
import { BACKEND_NAMES } from '../backends/backend.js';
import { RLRT_EXACT_DEFAULT_NSIM } from '../simulation/rlrt-exact.js';

/** The options shared by `fit` and `compare`, in the order `--help` lists them. */
export function fitOptions(): Option[] {
  return [
    new Option('--expr <file>', 'expression matrix: genes in rows, samples in columns (.tsv .tab .csv .txt .gct, optionally .gz)'),
    new Option('--samples <file>', 'sample sheet: one row per sample, ids in column "sample" or the first column'),
    new Option('--formula <formula>', 'lme4 formula without the response, e.g. "~ treatment + (1 | individual)"'),
    new Option('--out <file>', 'where to write the results (.gz: gzipped); - for stdout (the default)'),
    new Option('--method <name>', 'reml | ml: the criterion lme4 minimises (REML = TRUE or FALSE); variancePartition uses ml')
      .default('reml'),
    new Option('--var-part', "variance fractions (variancePartition's calcVarPart) with delta-method SEs; always on with " +
      'two or more random terms'),
    new Option('--kinship <file>', "kinship of the random term's levels, for GCTA's GREML model (narrow-sense h2): the prefix of " +
      'GCTA .grm.bin/.grm.gz or plink2 .rel.bin/.rel files with their .id file, or a square TSV/CSV with ids in the header and first column'),
    new Option('--weights <file>', 'precision weights, a matrix of the expression matrix\'s genes and samples (any order): ' +
      'Var(e) = sigma^2 / w, as lme4\'s and limma\'s weights; rescaled to mean 1 per gene with random terms (dream), as given without'),
    new Option('--voom', "precision weights from voom's mean-variance trend of log-CPM (variancePartition's voomWithDreamWeights): " +
      'counts only; sets --transform logcpm; not with --weights'),
    new Option('--ddf <method>', "satterthwaite | kenward-roger: the df of every t and F test, as lmerTest's ddf; kenward-roger " +
      "also adjusts the SEs (pbkrtest), for small studies (REML only)").default('satterthwaite'),
    new Option('--contrast <NAME=EXPR>', 'test a combination of coefficients on every gene, as lmerTest\'s contest1D, e.g. ' +
      '"DvsC=diseaseD - diseaseC" (repeatable; columns beta_NAME ... q_NAME)')
      .argParser((value: string, previous: string[] = []) => [...previous, value]),
    new Option('--anova', "F test of every fixed term of two or more columns, as lmerTest's anova() (type III, Satterthwaite): " +
      'columns F_T ndf_T ddf_T p_F_T q_F_T'),
    new Option('--ebayes [robust]', "empirical Bayes moderated t of every coefficient and contrast, as dream's eBayes (limma's eBayes " +
      'without random terms): columns rdf and mod_t_C mod_p_C mod_q_C; prior df and variance in the summary. ' +
      "--ebayes robust: limma's robust = TRUE, each gene with its own prior df (column df_prior)"),
    new Option('--transform <name>', 'none | log2p1 | logcpm (limma-voom log-CPM)').default('none'),
    new Option('--backend <name>', `${BACKEND_NAMES.join(' | ')} (gpujs: gpu.js, on WebGL2 in a browser and on WebGPU in Node)`)
      .default('auto'),
    new Option('--format <format>', 'tsv | csv | json (default: from the --out extension, else tsv)'),
    new Option('--summary <file>', 'also write the run summary as JSON (- for stdout, when --out is a file)'),
    new Option('--threads <n>', 'CPU threads (default: the available cores, but 1 for fewer than 2^23 genes × samples ' +
      'with one random intercept by REML and no --kinship, --var-part, --weights, --voom or --ddf kenward-roger)'),
    new Option('--levels <col=a,b,c>', 'level order of a factor; the first is the reference (repeatable)')
      .argParser((value: string, previous: string[] = []) => [...previous, value]).default([]),
    new Option('--min-mean <x>', 'filter genes whose mean raw value is below x'),
    new Option('--min-count <n>', 'filter genes with fewer than --min-samples samples of raw value ≥ n'),
    new Option('--min-samples <k>', 'samples needed by --min-count (default: the smallest group size)'),
    new Option('--rlrt-exact [nsim]', `exact RLRT p-values from nsim null simulations per design (default ${RLRT_EXACT_DEFAULT_NSIM})`),
    new Option('--bootstrap <B>', 'parametric bootstrap: 95% percentile intervals of h2, sigma2_group and sigma2_resid from B ' +
      'simulated REML refits per fitted gene (seeded by --seed), after the fit: on the GPU with --backend webgpu, else on ' +
      'one CPU thread (about 56 µs per refit at 500 samples, measured on a 2-core development machine)'),
    new Option('--seed <n>', 'seed of every simulation (default 1)'),
    new Option('--shard <I/N>', 'fit only the I-th of N contiguous gene ranges, writing <out>.shard.json beside the table ' +
      'for genelmm merge, which joins the N tables into the whole run\'s'),
    new Option('--quiet', 'no progress bar or summary on stderr'),
    new Option('--debug', 'show stack traces'),
  ];
}
