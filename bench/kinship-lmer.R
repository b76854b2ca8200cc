# Times the per-gene loop genelmm fit --kinship replaces: lme4 with the kinship's square root premultiplied into Zt,
# the approach of lme4qtl's relmatLmer (and pedigreemm), fitted by REML, with fixef and vcov per gene.
# Usage: Rscript bench/kinship-lmer.R EXPR.tsv SAMPLES.tsv "FORMULA-RHS" OUT.json GRM-PREFIX
# The square root (by eigen-decomposition, lme4qtl's method "evd") is made once per set of individuals with data
# and reused (relmatLmer makes it on every call, so its loop is slower than this one).
suppressPackageStartupMessages({ library(lme4); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
expr <- read.delim(args[1], check.names = FALSE, row.names = 1)
samples <- read.delim(args[2], check.names = FALSE)
d <- samples[match(colnames(expr), samples$sample), ]
d$individual <- factor(d$individual)
f <- as.formula(paste("y", args[3]))
ids <- read.table(paste0(args[5], ".grm.id"), colClasses = "character")[[2]]
n <- length(ids)
tri <- readBin(paste0(args[5], ".grm.bin"), "numeric", size = 4, n = n * (n + 1) / 2)
K <- matrix(0, n, n, dimnames = list(ids, ids))
K[upper.tri(K, diag = TRUE)] <- tri
K[lower.tri(K)] <- t(K)[lower.tri(K)]
relfac_of <- function(k) {
  e <- eigen(k, symmetric = TRUE)
  sqrt(pmax(e$values, 0)) * t(e$vectors)
}
cache <- list()
control <- lmerControl(check.nobs.vs.nlev = "ignore", check.nobs.vs.nRE = "ignore", check.nobs.vs.rankZ = "ignore")
fitted <- 0
t <- system.time(for (g in seq_len(nrow(expr))) {
  d$y <- as.numeric(expr[g, ])
  if (all(is.na(d$y)) || var(d$y, na.rm = TRUE) == 0) next
  data <- droplevels(d[!is.na(d$y), ])
  lf <- lFormula(f, data = data, control = control)
  levels <- levels(lf$reTrms$flist[[1]])
  key <- paste(levels, collapse = ",")
  if (is.null(cache[[key]])) cache[[key]] <- relfac_of(K[levels, levels])
  lf$reTrms$Zt <- as(Matrix::Matrix(cache[[key]] %*% as.matrix(lf$reTrms$Zt), sparse = TRUE), "CsparseMatrix")
  dd <- do.call(mkLmerDevfun, lf)
  opt <- optimizeLmer(dd)
  fit <- mkMerMod(environment(dd), opt, lf$reTrms, fr = lf$fr)
  invisible(list(fixef(fit), vcov(fit)))
  fitted <- fitted + 1
})[["elapsed"]]
write_json(list(genes = fitted, seconds = t, ms_per_gene = 1000 * t / fitted,
                lme4 = as.character(packageVersion("lme4")), R = R.version.string), args[4], auto_unbox = TRUE, digits = NA)
