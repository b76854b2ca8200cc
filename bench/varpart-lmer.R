# Times the loop `genelmm fit --method ml` replaces for variance partitioning: per gene, lmerTest::lmer by ML,
# summary() (Satterthwaite df) and variancePartition's calcVarPart for lmer fits (Hoffman & Schadt 2016, BMC
# Bioinformatics 17:483; R/calcVarPart.R: each random term's variance, the fixed effects' popvar(X_j b_j)
# rescaled to popvar of their sum, the residual, over the total), written out here because variancePartition
# is not in Debian.
# Usage: Rscript bench/varpart-lmer.R EXPR.tsv SAMPLES.tsv "FORMULA-RHS" OUT.json
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
expr <- read.delim(args[1], check.names = FALSE, row.names = 1)
samples <- read.delim(args[2], check.names = FALSE)
d <- samples[match(colnames(expr), samples$sample), ]
for (v in c("Individual", "Tissue", "Batch")) d[[v]] <- factor(d[[v]])
f <- as.formula(paste("y", args[3]))

calc_var_part <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  random <- setNames(vc$vcov[vc$grp != "Residual"], vc$grp[vc$grp != "Residual"])
  X <- getME(fit, "X")
  b <- fixef(fit)
  cols <- setdiff(colnames(X), "(Intercept)")
  popvar <- function(x) mean((x - mean(x))^2)
  fixed <- sapply(cols, function(j) popvar(X[, j] * b[j]))
  if (sum(fixed) > 0) fixed <- fixed / sum(fixed) * popvar(X[, cols, drop = FALSE] %*% b[cols])
  parts <- c(random, fixed, Residuals = sigma(fit)^2)
  parts / sum(parts)
}

fitted <- 0
t <- system.time(for (g in seq_len(nrow(expr))) {
  d$y <- as.numeric(expr[g, ])
  if (all(is.na(d$y)) || var(d$y, na.rm = TRUE) == 0) next
  fit <- suppressMessages(suppressWarnings(lmerTest::lmer(f, data = d, REML = FALSE)))
  invisible(summary(fit)$coefficients)
  invisible(calc_var_part(fit))
  fitted <- fitted + 1
})[["elapsed"]]
write_json(list(genes = fitted, seconds = t, ms_per_gene = 1000 * t / fitted,
                lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")),
                R = R.version.string), args[4], auto_unbox = TRUE, digits = NA)
